import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pidAlive, readPid } from '../store/dataDir.js';

/** The launcher's own entry point: API and runners are started as `node <bin> api|runner ...`. */
export const CLI_BIN = fileURLToPath(new URL('../bin/multyagents.js', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type PidState =
  | { state: 'absent' }
  | { state: 'running'; pid: number }
  /** The pid file names a process that is gone (a crash, kill -9, reboot) or is not ours any more. */
  | { state: 'stale'; pid: number; reason: string };

function cmdline(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** `node …/multyagents.js <role> …`: the argument after our entry point names the role. */
export function isOurCommand(argv: string[], role: string): boolean {
  const i = argv.findIndex((a) => /multyagents(\.js)?$/.test(a));
  return i >= 0 && argv[i + 1] === role;
}

/**
 * Is `pid` alive and still the process we started? A pid file can outlive its process and the pid
 * can be reused by an unrelated one, so on Linux the command line must name our entry point and role.
 */
export function pidState(file: string, role: 'api' | 'runner' | 'telegram'): PidState {
  const pid = readPid(file);
  if (pid === null) return { state: 'absent' };
  if (!processRunning(pid)) return { state: 'stale', pid, reason: `pid ${pid} is not running` };
  const argv = cmdline(pid);
  if (argv !== null && !isOurCommand(argv, role)) {
    const cmd = argv.join(' ').trim().slice(0, 80);
    return { state: 'stale', pid, reason: `pid ${pid} now belongs to another program (${cmd})` };
  }
  return { state: 'running', pid };
}

export function writePidFile(file: string, pid: number): void {
  fs.writeFileSync(file, `${pid}\n`, { mode: 0o600 });
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or signal name) if the process ends while we still watch it. */
  exited: Promise<number | string>;
}

/**
 * Start `node <bin> <args>` detached from our terminal, its stdout and stderr appended to `logFile`.
 * It outlives this process; `down` finds it through its pid file.
 */
export function spawnDetached(args: string[], logFile: string, env: NodeJS.ProcessEnv): Spawned {
  const fd = fs.openSync(logFile, 'a', 0o600);
  fs.writeSync(fd, `\n[launcher] ${new Date().toISOString()} starting: multyagents ${args.join(' ')}\n`);
  try {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env,
    });
    if (child.pid === undefined) throw new Error(`could not start multyagents ${args[0]}`);
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
    );
    child.unref();
    return { child, pid: child.pid, exited };
  } finally {
    fs.closeSync(fd);
  }
}

export interface StopResult {
  pid: number;
  how: 'SIGTERM' | 'SIGKILL' | 'already-gone';
  ms: number;
}

/** SIGTERM (or SIGKILL at once with `kill`), then SIGKILL once `timeoutMs` has passed. */
export async function stopPid(
  pid: number,
  opts: { timeoutMs: number; kill?: boolean; awaitReapMs?: number },
): Promise<StopResult> {
  const started = Date.now();
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  if (!processRunning(pid)) return { pid, how: 'already-gone', ms: 0 };
  let how: StopResult['how'] = opts.kill ? 'SIGKILL' : 'SIGTERM';
  if (!signal(how)) return { pid, how: 'already-gone', ms: 0 };
  while (processRunning(pid)) {
    if (how === 'SIGTERM' && Date.now() - started > opts.timeoutMs) {
      how = 'SIGKILL';
      signal('SIGKILL');
    }
    await sleep(50);
  }
  const ms = Date.now() - started;
  // A process started by an earlier `up` is init's child, and init may reap it seconds later. Until
  // then kill(0) still succeeds, and a restarted API's own pid-file check would take it for alive.
  const reapBy = Date.now() + (opts.awaitReapMs ?? 0);
  while (pidAlive(pid) && Date.now() < reapBy) await sleep(50);
  return { pid, how, ms };
}

/** Alive and not a zombie: a killed process answers kill(0) until its parent (or init) reaps it. */
export function processRunning(pid: number): boolean {
  return pidAlive(pid) && !isZombie(pid);
}

/**
 * Every thread has exited. The leader turns Z while its other threads are still exiting and holding
 * the process's files (its listening socket among them), so all of /proc/<pid>/task must be dead.
 */
function isZombie(pid: number): boolean {
  try {
    const tasks = fs.readdirSync(`/proc/${pid}/task`);
    return tasks.every((t) => {
      try {
        return /\)\s+[ZX]\s/.test(fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'));
      } catch {
        return true;
      }
    });
  } catch {
    return false;
  }
}

/** Find an executable on PATH (what a shell would run for `name`). */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Best effort: "pid 123 (node)" for the process listening on a TCP port, via `ss` or `lsof`. */
export function portHolder(port: number): string | null {
  const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 2000 });
  if (ss.status === 0 && ss.stdout) {
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout);
    if (m) return `pid ${m[2]} (${describePid(Number(m[2])) ?? m[1]})`;
  }
  const lsof = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], {
    encoding: 'utf8',
    timeout: 2000,
  });
  if (lsof.status === 0 && lsof.stdout) {
    const pid = /^p(\d+)$/m.exec(lsof.stdout)?.[1];
    const name = /^c(.+)$/m.exec(lsof.stdout)?.[1];
    if (pid) return `pid ${pid} (${describePid(Number(pid)) ?? name ?? 'unknown'})`;
  }
  return null;
}

function describePid(pid: number): string | null {
  const argv = cmdline(pid);
  return argv ? argv.join(' ').trim().slice(0, 100) : null;
}
