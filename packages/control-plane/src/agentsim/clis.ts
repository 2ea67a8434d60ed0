import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The real agent CLIs, pinned and installed on demand into a cache (≈ 800 MB together, so they are no
 * dependency every `npm ci` pulls). `ensureAgentClis()` installs once per set of versions, under a lock
 * so that two test processes do not install at once, into a staging directory renamed into place only
 * after both binaries answered `--version`: a cache directory that exists is a complete one.
 */
export const AGENT_CLI_PINS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.332' },
  codex: { pkg: '@openai/codex', version: '0.171.0' },
} as const;

export type AgentCliName = keyof typeof AGENT_CLI_PINS;

export interface AgentClis {
  dir: string;
  claude: string;
  codex: string;
  /** What each binary's `--version` printed. */
  versions: Record<AgentCliName, string>;
  /** True when this call installed them (false: the cache already had them). */
  installed: boolean;
}

export interface EnsureOptions {
  /** The cache root (config/agentClis.ts `resolveAgentCliCacheRoot`). */
  cacheRoot: string;
  log?: (line: string) => void;
  /** Bound on one `npm install`. */
  installTimeoutMs?: number;
  /** Bound on waiting for another process's install. */
  lockTimeoutMs?: number;
  npm?: string;
}

const specs = () => Object.values(AGENT_CLI_PINS).map((p) => `${p.pkg}@${p.version}`);

/** The cache subdirectory of this set of pins: changing a pin never reuses an old install. */
export function agentCliDir(cacheRoot: string): string {
  const hash = createHash('sha256').update(specs().join('\n')).digest('hex').slice(0, 12);
  return path.join(cacheRoot, hash);
}

export function agentCliBins(dir: string): Record<AgentCliName, string> {
  return {
    claude: path.join(dir, 'node_modules/.bin/claude'),
    codex: path.join(dir, 'node_modules/.bin/codex'),
  };
}

async function versionOf(bin: string): Promise<string> {
  const { stdout } = await run(bin, ['--version'], { timeout: 30_000 });
  return stdout.trim();
}

/** Both binaries answer `--version` with their pinned version; throws saying which one did not. */
async function checkVersions(dir: string): Promise<Record<AgentCliName, string>> {
  const bins = agentCliBins(dir);
  const out = {} as Record<AgentCliName, string>;
  for (const name of Object.keys(AGENT_CLI_PINS) as AgentCliName[]) {
    const printed = await versionOf(bins[name]).catch(
      (err: Error) => `failed: ${err.message.split('\n')[0]}`,
    );
    if (!printed.includes(AGENT_CLI_PINS[name].version)) {
      throw new Error(
        `${name} at ${bins[name]} answered --version with "${printed}", expected ${AGENT_CLI_PINS[name].version}`,
      );
    }
    out[name] = printed;
  }
  return out;
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** mkdir is atomic: whoever creates the lock directory installs; a lock whose owner died is taken over. */
async function withLock<T>(
  lockDir: string,
  timeoutMs: number,
  log: (l: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await fs.readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => ''));
    if (owner && !alive(owner)) {
      log(`agent CLIs: taking over the install lock of dead process ${owner}`);
      await fs.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`agent CLIs: another process (${owner || '?'}) holds ${lockDir} for too long`);
    if (!said) log(`agent CLIs: waiting for process ${owner || '?'} to finish installing`);
    said = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

/** npm's own error lines without its stack traces: the code, the URL, the hint. */
export function npmErrorSummary(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trimEnd());
  const useful = lines.filter(
    (l) => l.trim() && !/^npm error\s+at /.test(l) && !/^npm error\s*[{}]?$/.test(l),
  );
  return useful.slice(0, 12).join('\n');
}

async function install(dir: string, o: EnsureOptions, log: (l: string) => void): Promise<void> {
  const staging = `${dir}.staging-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  await fs.writeFile(
    path.join(staging, 'package.json'),
    JSON.stringify({
      name: 'multyagents-agent-clis',
      private: true,
      description: 'installed by multyagents agentsim',
    }),
  );
  const npm = o.npm ?? 'npm';
  // --ignore-scripts=false: claude's postinstall links its native binary (it downloads nothing).
  const args = [
    'install',
    '--prefix',
    staging,
    '--no-audit',
    '--no-fund',
    '--save-exact',
    '--ignore-scripts=false',
    '--loglevel=error',
    ...specs(),
  ];
  // One quick metadata request first: an unreachable registry fails in seconds, not after npm's
  // minutes of fetch retries; the install itself keeps the retries for a flaky network.
  const probe = ['view', `${AGENT_CLI_PINS.codex.pkg}@${AGENT_CLI_PINS.codex.version}`, 'version'];
  const failed = async (err: unknown): Promise<never> => {
    await fs.rm(staging, { recursive: true, force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(
      `agent CLIs: could not install ${specs().join(' ')} from the npm registry; is it reachable?\n` +
        npmErrorSummary(e.stderr || e.message),
    );
  };
  await run(npm, [...probe, '--fetch-retries=0', '--fetch-timeout=30000'], { timeout: 60_000 }).catch(failed);
  log(`agent CLIs: ${npm} ${args.join(' ')} (≈ 800 MB, first time only)`);
  await run(npm, args, { timeout: o.installTimeoutMs ?? 15 * 60_000, maxBuffer: 32 * 1024 * 1024 }).catch(
    failed,
  );
  const claudeDir = path.join(staging, 'node_modules', AGENT_CLI_PINS.claude.pkg);
  if (!(await versionOf(agentCliBins(staging).claude).catch(() => ''))) {
    // An npm configured to skip scripts leaves claude's stub in place; its postinstall is idempotent.
    log('agent CLIs: claude binary is a stub, running its install.cjs');
    await run(process.execPath, [path.join(claudeDir, 'install.cjs')], { cwd: claudeDir, timeout: 120_000 });
  }
  await checkVersions(staging);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(staging, dir);
}

/** The pinned CLIs, installed if the cache does not have them yet (or has a broken copy). */
export async function ensureAgentClis(o: EnsureOptions): Promise<AgentClis> {
  const log = o.log ?? (() => {});
  const dir = agentCliDir(o.cacheRoot);
  const usable = async (): Promise<Record<AgentCliName, string> | null> => {
    if (!(await exists(dir))) return null;
    return checkVersions(dir).catch((err: Error) => {
      log(`agent CLIs: the cached copy is broken, reinstalling (${err.message})`);
      return null;
    });
  };
  const found = await usable();
  if (found) return { dir, ...agentCliBins(dir), versions: found, installed: false };
  await fs.mkdir(o.cacheRoot, { recursive: true });
  return withLock(`${dir}.lock`, o.lockTimeoutMs ?? 20 * 60_000, log, async () => {
    const raced = await usable();
    if (raced) return { dir, ...agentCliBins(dir), versions: raced, installed: false };
    const started = Date.now();
    await install(dir, o, log);
    log(`agent CLIs: installed in ${((Date.now() - started) / 1000).toFixed(1)}s at ${dir}`);
    return { dir, ...agentCliBins(dir), versions: await checkVersions(dir), installed: true };
  });
}
