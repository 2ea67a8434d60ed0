import fs from 'node:fs';

/**
 * Process-table helpers. A zombie counts as dead everywhere here: in containers PID 1 often does not
 * reap orphans, so a killed grandchild can stay a zombie forever while holding no resources.
 */
interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  startTime: string;
}

const HAS_PROC = (() => {
  try {
    return fs.statSync('/proc/self/stat').isFile();
  } catch {
    return false;
  }
})();

export function readProcStat(pid: number): ProcStat | null {
  if (!HAS_PROC) return null;
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: rest[19] };
  } catch {
    return null;
  }
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!signalable(pid)) return false;
  const st = readProcStat(pid);
  return st === null ? !HAS_PROC : st.state !== 'Z' && st.state !== 'X';
}

/** Kernel start time of a process (clock ticks since boot): with the pid, it identifies a process. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!Number.isInteger(pgid) || pgid <= 1) return [];
  if (!signalable(-pgid)) return [];
  if (!HAS_PROC) return [pgid];
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readProcStat(pid);
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push(pid);
  }
  return out;
}

export function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    /* the group is already gone */
  }
}

/** SIGTERM the group, wait until it is empty or the grace passed, then SIGKILL whatever is left. */
export async function killGroup(pgid: number, graceMs: number, pollMs = 50): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  // SIGKILL is not instant: wait (briefly) until the kernel has torn the members down.
  const hard = Date.now() + 2000;
  while (groupAlive(pgid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 10));
}
