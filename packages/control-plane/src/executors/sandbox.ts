/**
 * bubblewrap around an agent process. The sandbox has a fresh root: the system dirs read-only, the
 * node binary's dir and the `readonly` paths read-only, the `writable` paths read-write, a private
 * /tmp, /proc and /dev, its own pid/ipc/uts namespaces and, unless `network`, no network. Everything
 * else on the host (/root, /home, other projects, the runner's data dir) is not mounted at all, so it
 * does not exist inside. The environment passes through unchanged (bwrap keeps it).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface SandboxSpec {
  /** Bound read-write at the same path (absolute, realpath'd). */
  writable: string[];
  /** Bound read-only at the same path (absolute, realpath'd). */
  readonly: string[];
  network: boolean;
}

/** What an ExecRequest carries: the spec plus the bwrap binary to run. */
export type SandboxRequest = SandboxSpec & { bin: string };

export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/etc'] as const;

/** A system dir as found on the host: a real dir is bound, a symlink (usrmerge `/bin -> usr/bin`) is recreated. */
export interface SystemEntry {
  path: string;
  symlink?: string;
}

export interface BwrapOptions {
  cwd: string;
  /** The node binary's dir (agent CLIs are `#!/usr/bin/env node` scripts; under nvm it is in a home). */
  nodeDir?: string | null;
  /** Default: every SYSTEM_DIRS entry as `--ro-bind-try` (hostSystemDirs() knows the symlinks). */
  system?: SystemEntry[];
  bin?: string;
}

type Mode = 'ro' | 'rw';

function normalized(p: string, what: string): string {
  if (!path.isAbsolute(p))
    throw new Error(`sandbox: ${what} path must be absolute, got ${JSON.stringify(p)}`);
  const n = path.resolve(p);
  return n;
}

function within(child: string, parent: string): boolean {
  return child === parent || parent === '/' || child.startsWith(parent + '/');
}

/**
 * The mounts in the order bwrap must apply them: parents before children (so a read-only dir inside
 * a writable one stays read-only, and the other way round); a path named both ways is writable; a
 * path whose closest mounted ancestor already has its mode is dropped (the ancestor covers it).
 */
export function mountPlan(spec: SandboxSpec, nodeDir: string | null): Array<{ path: string; mode: Mode }> {
  const modes = new Map<string, Mode>();
  const add = (p: string, mode: Mode, what: string) => {
    const n = normalized(p, what);
    if (modes.get(n) !== 'rw') modes.set(n, mode);
  };
  if (nodeDir) add(nodeDir, 'ro', 'node dir');
  for (const p of spec.readonly) add(p, 'ro', 'readonly');
  for (const p of spec.writable) add(p, 'rw', 'writable');
  const depth = (p: string) => (p === '/' ? 0 : p.split('/').length);
  const sorted = [...modes].sort(([a], [b]) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Array<{ path: string; mode: Mode }> = [];
  for (const [p, mode] of sorted) {
    const parent = [...out].reverse().find((m) => within(p, m.path));
    if (parent?.mode === mode) continue;
    out.push({ path: p, mode });
  }
  return out;
}

/** The bwrap argv that runs `argv` inside the sandbox of `spec` (pure). */
export function bwrapArgv(spec: SandboxSpec, argv: string[], opts: BwrapOptions): string[] {
  if (argv.length === 0) throw new Error('sandbox: empty argv');
  const cwd = normalized(opts.cwd, 'cwd');
  const mounts = mountPlan(spec, opts.nodeDir ?? null);
  if (!mounts.some((m) => within(cwd, m.path))) {
    throw new Error(`sandbox: the working directory ${cwd} is not among the sandbox's paths`);
  }
  const out = [opts.bin ?? 'bwrap', '--die-with-parent', '--new-session'];
  out.push('--unshare-pid', '--unshare-ipc', '--unshare-uts');
  if (!spec.network) out.push('--unshare-net');
  out.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  const system: SystemEntry[] = opts.system ?? SYSTEM_DIRS.map((p) => ({ path: p }));
  for (const s of system) {
    if (s.symlink !== undefined) out.push('--symlink', s.symlink, s.path);
    else out.push('--ro-bind-try', s.path, s.path);
  }
  for (const m of mounts) out.push(m.mode === 'rw' ? '--bind' : '--ro-bind', m.path, m.path);
  out.push('--chdir', cwd, '--', ...argv);
  return out;
}

/** SYSTEM_DIRS as they are on this host (absent ones left out). */
export function hostSystemDirs(): SystemEntry[] {
  const out: SystemEntry[] = [];
  for (const p of SYSTEM_DIRS) {
    try {
      const st = fs.lstatSync(p);
      out.push(st.isSymbolicLink() ? { path: p, symlink: fs.readlinkSync(p) } : { path: p });
    } catch {
      /* not on this host */
    }
  }
  return out;
}

/** The dir of the node binary running us, realpath'd. */
export function nodeBinDir(): string {
  return path.dirname(fs.realpathSync(process.execPath));
}

export interface BwrapProbe {
  ok: boolean;
  version?: string;
  message: string;
}

function run(bin: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      resolve({ ok: err === null, out: err && !out ? err.message : out });
    });
  });
}

/**
 * Whether bwrap can make the namespaces and mounts we use on this host (user namespaces may be off, a
 * container may refuse /proc): runs `true` with the same unshare/proc/dev flags once.
 */
export async function probeBwrap(bin = 'bwrap', timeoutMs = 5000): Promise<BwrapProbe> {
  const v = await run(bin, ['--version'], timeoutMs);
  if (!v.ok) return { ok: false, message: `${bin} --version failed: ${v.out}` };
  const version = v.out.replace(/^bubblewrap\s*/i, '');
  const args = ['--ro-bind', '/', '/', '--die-with-parent', '--new-session'];
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net');
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', 'true');
  const t = await run(bin, args, timeoutMs);
  return t.ok
    ? { ok: true, version, message: `bubblewrap ${version}` }
    : { ok: false, version, message: `bubblewrap ${version} cannot create a sandbox here: ${t.out}` };
}

export interface SandboxInputs {
  /** The agent's working directory (the worktree, or the shared workspace root). */
  cwd: string;
  /** The attempt's dir: prompt, result file, and by default the agent's HOME and TMPDIR. */
  attemptDir: string;
  /** The agent's HOME when it is elsewhere (a resumed session's home); null: under attemptDir. */
  agentHome: string | null;
  /** A worktree's git common dir (`git rev-parse --git-common-dir`): git writes index.lock and objects there. */
  gitCommonDir: string | null;
  /** Read-only extras: the agent CLI cache, a task's reference dirs. Missing ones are left out. */
  readonlyPaths: string[];
  /** Writable extras (the effect ledger file, ...). Must exist. */
  writablePaths?: string[];
  network: boolean;
  /** The executor's binaries: their install dir is bound read-only (an npm package needs its siblings). */
  executorBinPaths: string[];
}

function real(p: string): string | null {
  try {
    return fs.realpathSync(path.resolve(p));
  } catch {
    return null;
  }
}

function mustReal(p: string, what: string): string {
  const r = real(p);
  if (r === null) throw new Error(`sandbox: the ${what} ${p} does not exist`);
  return r;
}

/**
 * Where a binary's installation lives: the dir holding the `node_modules` it sits in (an npm install
 * root: `.bin/codex` links into a package that requires its siblings), else the binary's own dir.
 */
export function installRootOf(bin: string): string {
  const i = bin.indexOf('/node_modules/');
  return i > 0 ? bin.slice(0, i) : path.dirname(bin);
}

/**
 * The sandbox of one attempt, in one call. Writable: the cwd, the attempt dir, the agent's home and
 * the git common dir, except the common dir's `hooks/` and `config`, which stay read-only: a hook or a
 * `core.hooksPath` written from inside would later run outside the sandbox, in the operator's git.
 */
export function sandboxFor(i: SandboxInputs): SandboxSpec {
  const writable = [mustReal(i.cwd, 'working directory'), mustReal(i.attemptDir, 'attempt dir')];
  if (i.agentHome !== null) writable.push(mustReal(i.agentHome, 'agent home'));
  for (const p of i.writablePaths ?? []) writable.push(mustReal(p, 'writable path'));
  const readonly: string[] = [];
  const ro = (p: string) => {
    const r = real(p);
    if (r !== null) readonly.push(r);
  };
  if (i.gitCommonDir !== null) {
    const common = mustReal(i.gitCommonDir, 'git common dir');
    writable.push(common);
    ro(path.join(common, 'hooks'));
    ro(path.join(common, 'config'));
  }
  if (i.network) readonly.push(...resolverFiles());
  for (const p of i.readonlyPaths) ro(p);
  for (const b of i.executorBinPaths) {
    const r = real(b);
    if (r === null) continue;
    readonly.push(installRootOf(r));
    // The path as given too: a symlink outside the install root (`~/bin/codex -> …`) must resolve inside.
    const given = installRootOf(path.resolve(b));
    if (given !== installRootOf(r)) ro(given);
  }
  return { writable, readonly, network: i.network };
}

/**
 * The name-resolution files /etc links out of (systemd-resolved: `/etc/resolv.conf ->
 * /run/systemd/resolve/stub-resolv.conf`): /run is not mounted, so with the network on, the agent
 * could connect but not resolve a name unless their targets are bound too.
 */
export function resolverFiles(resolve: (p: string) => string | null = real): string[] {
  const out: string[] = [];
  for (const f of ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf']) {
    const r = resolve(f);
    if (r !== null && !SYSTEM_DIRS.some((d) => r.startsWith(d + '/'))) out.push(r);
  }
  return out;
}

/** A spec plus more paths (an executor adds the home and binary it picked). Paths are realpath'd. */
export function widenSandbox(
  spec: SandboxRequest,
  more: { writable?: string[]; readonly?: string[] },
): SandboxRequest {
  return {
    ...spec,
    writable: [...spec.writable, ...(more.writable ?? []).map((p) => mustReal(p, 'writable path'))],
    readonly: [...spec.readonly, ...(more.readonly ?? []).map(real).filter((p): p is string => p !== null)],
  };
}
