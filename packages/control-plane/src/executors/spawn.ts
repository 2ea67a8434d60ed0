import fs from 'node:fs';
import { spawn } from 'node:child_process';
import type { Env } from '../config/env.js';
import { groupAlive, killGroup, readProcStat, signalGroup } from './procfs.js';
import { bwrapArgv, hostSystemDirs, nodeBinDir, type SandboxRequest } from './sandbox.js';
import type { ExitInfo, OutputSink, RunningProcess } from './types.js';

export interface SpawnOptions {
  cwd: string;
  env: Env;
  /** Written to the agent's stdin, which is then closed; null = stdin is /dev/null. */
  stdin: string | null;
  killGraceMs: number;
  /** Run argv inside bubblewrap (executors/sandbox.ts). */
  sandbox?: SandboxRequest;
}

/**
 * Spawn argv (never through a shell) as the leader of a new process group, so that cancel, timeout
 * and shutdown can kill the whole tree with one signal to -pgid. When the leader exits, whatever it
 * left behind in its group is killed too: no orphan outlives its attempt.
 */
export function spawnInGroup(argv: string[], opts: SpawnOptions, onOutput: OutputSink): RunningProcess {
  const sb = opts.sandbox;
  const full = sb
    ? bwrapArgv(sb, argv, { cwd: opts.cwd, nodeDir: nodeBinDir(), system: hostSystemDirs(), bin: sb.bin })
    : argv;
  const [file, ...args] = full;
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: [opts.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const pid = child.pid ?? null;
  let killing: Promise<void> | null = null;
  const kill = (): Promise<void> => {
    if (pid === null) return Promise.resolve();
    killing ??= sb ? killSandboxed(pid, opts.killGraceMs) : killGroup(pid, opts.killGraceMs);
    return killing;
  };

  const streamsClosed = Promise.all(
    (['stdout', 'stderr'] as const).map(
      (name) =>
        new Promise<void>((resolve) => {
          const s = child[name];
          if (!s) return resolve();
          s.setEncoding('utf8');
          s.on('data', (d: string) => onOutput(name, d));
          s.on('close', () => resolve());
          s.on('error', () => resolve());
        }),
    ),
  );
  if (child.stdin && opts.stdin !== null) {
    child.stdin.on('error', () => {
      /* the agent closed stdin early: its business */
    });
    child.stdin.end(opts.stdin);
  }

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (err) => {
      if (pid === null) resolve({ code: null, signal: null, spawnError: err.message });
    });
    child.once('exit', (code, signal) => {
      void (async () => {
        if (pid !== null && groupAlive(pid)) await (killing ?? killGroup(pid, opts.killGraceMs));
        // All writers of the pipes are dead now, so they close; bound the wait in case a process that
        // left the group (setsid) still holds them.
        const bound = new Promise<void>((r) => setTimeout(r, 1000).unref());
        await Promise.race([streamsClosed, bound]);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code, signal });
      })();
    });
  });
  return { pid, exited, kill };
}

/** Host pids of every descendant of `pid` (one pass over /proc). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of names) {
    const p = Number(name);
    if (!Number.isInteger(p)) continue;
    const st = readProcStat(p);
    if (!st || st.state === 'Z' || st.state === 'X') continue;
    children.set(st.ppid, [...(children.get(st.ppid) ?? []), p]);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/**
 * SIGTERM to the group would reach only bwrap (the agent runs in a session of its own, and bwrap's
 * pid 1 ignores it), and bwrap dying SIGKILLs the whole pid namespace: the agent would get no grace.
 * So the agent's processes get the SIGTERM themselves; once the grace is over (or the agent is gone),
 * the group is killed, and the kernel takes the namespace down with bwrap.
 */
async function killSandboxed(pgid: number, graceMs: number, pollMs = 50): Promise<void> {
  for (const p of descendantsOf(pgid)) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, pollMs));
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  const hard = Date.now() + 2000;
  while (groupAlive(pgid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 10));
}
