import { spawn } from 'node:child_process';
import type { Env } from '../config/env.js';
import { groupAlive, killGroup } from './procfs.js';
import type { ExitInfo, OutputSink, RunningProcess } from './types.js';

export interface SpawnOptions {
  cwd: string;
  env: Env;
  /** Written to the agent's stdin, which is then closed; null = stdin is /dev/null. */
  stdin: string | null;
  killGraceMs: number;
}

/**
 * Spawn argv (never through a shell) as the leader of a new process group, so that cancel, timeout
 * and shutdown can kill the whole tree with one signal to -pgid. When the leader exits, whatever it
 * left behind in its group is killed too: no orphan outlives its attempt.
 */
export function spawnInGroup(argv: string[], opts: SpawnOptions, onOutput: OutputSink): RunningProcess {
  const [file, ...args] = argv;
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
    killing ??= killGroup(pid, opts.killGraceMs);
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
