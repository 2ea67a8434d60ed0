import fs from 'node:fs';
import { isErrorCode, type ErrorCode } from '@multyagents/contracts';
import type { Env } from '../config/env.js';
import { pidAlive, readPid } from '../store/dataDir.js';
import { CliError, EXIT } from './errors.js';
import { JsonClient, probeHealth } from './http.js';
import { assertPortFree } from './ports.js';
import {
  findOnPath,
  processRunning,
  removeFile,
  sleep,
  spawnDetached,
  stopPid,
  writePidFile,
  type Spawned,
} from './procs.js';
import {
  apiUrl,
  runnerName,
  runnerPort,
  runnerUrl,
  stackPaths,
  type Executor,
  type StackSettings,
} from './stack.js';

export interface Started {
  pid: number;
  url: string;
  ms: number;
}

export interface RunnerInfo {
  id: number;
  name: string;
  url: string;
  liveness: string;
  last_seen_at?: string | number | null;
  capacity?: number;
  /** Shutting down: finishes what it holds, takes no new work. */
  draining?: boolean;
  [key: string]: unknown;
}

/** The binaries the agent executors need; `mock` and `command` need none of their own. */
const EXECUTOR_BINARIES: Partial<Record<Executor, { bin: string; env: string }>> = {
  codex: { bin: 'codex', env: 'MULTYAGENTS_CODEX_BIN' },
  claude: { bin: 'claude', env: 'MULTYAGENTS_CLAUDE_BIN' },
};

/** Refuse `--executor codex|claude` when the CLI is not installed, before anything starts. */
export function assertExecutorAvailable(executor: Executor, env: Env): void {
  if (executor === 'command' && !env.MULTYAGENTS_COMMAND_ARGV) {
    throw new CliError('EXECUTOR_UNAVAILABLE', '--executor command needs the argv of the command to run', {
      hint: `set MULTYAGENTS_COMMAND_ARGV, e.g. '["my-agent","--prompt","{prompt}"]'`,
      exitCode: EXIT.conflict,
    });
  }
  const need = EXECUTOR_BINARIES[executor];
  if (!need) return;
  const bin = env[need.env] || need.bin;
  if (findOnPath(bin, env.PATH ?? '')) return;
  throw new CliError(
    'EXECUTOR_UNAVAILABLE',
    `--executor ${executor} needs the \`${bin}\` CLI, not found on PATH`,
    {
      hint: `install it (or set ${need.env} to its path), or use --executor mock`,
      exitCode: EXIT.conflict,
    },
  );
}

/** Refuse when an API we did not start (e.g. `multyagents api` by hand) holds the data dir. */
export async function assertDataDirFree(dataDir: string): Promise<void> {
  const owner = readPid(stackPaths(dataDir).apiOwnerPid);
  if (owner === null || owner === process.pid) return;
  if (processRunning(owner)) {
    throw new CliError('DATA_DIR_LOCKED', `data dir ${dataDir} is in use by another API (pid ${owner})`, {
      hint: 'stop that process, or use another --data-dir',
      exitCode: EXIT.conflict,
    });
  }
  // An API killed moments ago can linger as a zombie until init reaps it; the new API's own pid-file
  // check would still see it alive, so give the reaper a moment.
  const deadline = Date.now() + 10_000;
  while (pidAlive(owner) && Date.now() < deadline) await sleep(50);
}

/** The `CODE: message` line a component prints before exiting 2 (see the api command). */
function exitReason(logFile: string, component: string): { code: ErrorCode; message: string } | null {
  let tail = '';
  try {
    const buf = fs.readFileSync(logFile, 'utf8');
    tail = buf.slice(buf.lastIndexOf('[launcher]'));
  } catch {
    return null;
  }
  const m = new RegExp(`multyagents ${component}: ([A-Z][A-Z_]+): (.*)`).exec(tail);
  return m && isErrorCode(m[1]) ? { code: m[1], message: m[2] } : null;
}

async function waitUntil(
  spawned: Spawned,
  what: string,
  logFile: string,
  component: 'api' | 'runner' | 'telegram',
  timeoutMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  let exit: number | string | null = null;
  void spawned.exited.then((c) => (exit = c));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== null) {
      const reason = exitReason(logFile, component);
      const conflict = reason && ['PORT_IN_USE', 'DATA_DIR_LOCKED', 'CONFIG_INVALID'].includes(reason.code);
      throw new CliError(
        reason?.code ?? 'START_FAILED',
        reason ? `${what}: ${reason.message}` : `${what} exited (${exit}) before it became healthy`,
        { hint: `see ${logFile}`, exitCode: conflict ? EXIT.conflict : EXIT.failed },
      );
    }
    if (await ready()) return;
    if (Date.now() > deadline) {
      await stopPid(spawned.pid, { timeoutMs: 0, kill: true });
      throw new CliError('NOT_HEALTHY', `${what} did not become healthy within ${timeoutMs / 1000}s`, {
        hint: `it was stopped; see ${logFile}`,
        exitCode: EXIT.failed,
      });
    }
    await sleep(100);
  }
}

export function childEnv(env: Env, s: StackSettings): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, MULTYAGENTS_RUNNER_TOKEN_FILE: stackPaths(s.data_dir).tokenFile };
  // The token file the API wrote is the one truth; a stray token in the caller's env must not win.
  delete out.MULTYAGENTS_RUNNER_TOKEN;
  return out;
}

export async function launchApi(s: StackSettings, env: Env, timeoutMs = 30_000): Promise<Started> {
  const p = stackPaths(s.data_dir);
  const started = Date.now();
  const url = apiUrl(s);
  const args = ['api', '--port', String(s.api_port), '--host', s.host, '--data-dir', s.data_dir];
  args.push('--dispatch', s.dispatch, '--runner-auth', s.runner_auth);
  if (s.project_roots) args.push('--project-roots', s.project_roots);
  const spawned = spawnDetached(args, p.apiLog, childEnv(env, s));
  writePidFile(p.apiPid, spawned.pid);
  try {
    await waitUntil(spawned, `API on port ${s.api_port}`, p.apiLog, 'api', timeoutMs, async () =>
      Boolean(await probeHealth(url)),
    );
  } catch (err) {
    removeFile(p.apiPid);
    throw err;
  }
  return { pid: spawned.pid, url, ms: Date.now() - started };
}

export async function listRunners(api: JsonClient): Promise<RunnerInfo[]> {
  return api.get<RunnerInfo[]>('/runners', 3000);
}

export async function launchRunner(
  s: StackSettings,
  i: number,
  env: Env,
  api: JsonClient,
  timeoutMs = 30_000,
): Promise<Started> {
  const p = stackPaths(s.data_dir);
  const started = Date.now();
  const url = runnerUrl(s, i);
  const name = runnerName(i);
  fs.mkdirSync(p.runnerDataDir(i), { recursive: true, mode: 0o700 });
  const args = ['runner', '--port', String(runnerPort(s, i)), '--api', apiUrl(s)];
  args.push('--data-dir', p.runnerDataDir(i), '--executor', s.executor, '--name', name);
  const spawned = spawnDetached(args, p.runnerLog(i), childEnv(env, s));
  writePidFile(p.runnerPid(i), spawned.pid);
  try {
    await waitUntil(
      spawned,
      `${name} on port ${runnerPort(s, i)}`,
      p.runnerLog(i),
      'runner',
      timeoutMs,
      async () => {
        if (!(await probeHealth(url))) return false;
        const runners = await listRunners(api).catch(() => []);
        return runners.some((r) => r.name === name && r.liveness === 'online');
      },
    );
  } catch (err) {
    removeFile(p.runnerPid(i));
    throw err;
  }
  return { pid: spawned.pid, url, ms: Date.now() - started };
}

/**
 * The Telegram bridge in the background, like a runner: ready once it follows the API's event stream
 * (its log says so after this start's `[launcher]` line). A bad setting ends it at once with
 * `CONFIG_INVALID`, which `up` reports as its own failure.
 */
export async function launchTelegram(s: StackSettings, env: Env, timeoutMs = 30_000): Promise<Started> {
  const p = stackPaths(s.data_dir);
  const started = Date.now();
  const from = fs.existsSync(p.telegramLog) ? fs.statSync(p.telegramLog).size : 0;
  const args = ['telegram', '--data-dir', s.data_dir, '--api', apiUrl(s)];
  const spawned = spawnDetached(args, p.telegramLog, childEnv(env, s));
  writePidFile(p.telegramPid, spawned.pid);
  try {
    await waitUntil(spawned, 'the Telegram bridge', p.telegramLog, 'telegram', timeoutMs, async () => {
      const fd = fs.openSync(p.telegramLog, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        // A rotation (copy, then truncate) may have cut the file under the start offset.
        const at = size < from ? 0 : from;
        const buf = Buffer.alloc(Math.min(size - at, 1 << 20));
        fs.readSync(fd, buf, 0, buf.length, at);
        return buf.toString('utf8').includes('event stream connected');
      } finally {
        fs.closeSync(fd);
      }
    });
  } catch (err) {
    removeFile(p.telegramPid);
    throw err;
  }
  return { pid: spawned.pid, url: '', ms: Date.now() - started };
}

export async function checkPortsFree(s: StackSettings, api: boolean, runners: number[]): Promise<void> {
  if (api) await assertPortFree(s.host, s.api_port, 'API', '--api-port');
  for (const i of runners) {
    await assertPortFree(s.host, runnerPort(s, i), runnerName(i), '--runner-port');
  }
}
