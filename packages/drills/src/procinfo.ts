/**
 * Process-table helpers for the harness (Linux /proc; elsewhere liveness falls back to kill(0) and
 * start times are unknown). A pid plus its kernel start time identifies a process, so a pid file
 * left by a crashed harness can never make us signal an unrelated process that reused the pid.
 */
import fs from 'node:fs';

export const HAS_PROC = (() => {
  try {
    return fs.statSync('/proc/self/stat').isFile();
  } catch {
    return false;
  }
})();

function stat(pid: number): { state: string; startTime: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, startTime: rest[19]! };
  } catch {
    return null;
  }
}

/** Kernel state letter (R, S, T for stopped, Z, ...); null if unknown or gone. */
export function stateOf(pid: number): string | null {
  return stat(pid)?.state ?? null;
}

export function startTimeOf(pid: number): string | null {
  return stat(pid)?.startTime ?? null;
}

/** Alive and not a zombie; null when this platform cannot tell zombies apart. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!HAS_PROC) return true;
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** Same pid and same start time as recorded (or, without /proc, merely alive). */
export function isSameProcess(pid: number, startTime: string | null): boolean {
  if (!isAlive(pid)) return false;
  if (!HAS_PROC || startTime === null) return startTime === null;
  return startTimeOf(pid) === startTime;
}

export function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `fn` is truthy or the time is up; returns the last value. */
export async function waitUntil<T>(fn: () => T | Promise<T>, timeoutMs: number, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T;
    try {
      v = await fn();
    } catch {
      v = undefined as T;
    }
    if (v || Date.now() >= deadline) return v;
    await sleep(everyMs);
  }
}
