/**
 * The harness registry: one small JSON file per running harness in a per-user state dir, listing the
 * processes it started (pid + kernel start time), the effect ledgers its agents write, and the host
 * state root-only drills change: tmpfs mounts and memory cgroups. If a harness dies without rolling
 * back (kill -9, power loss of the terminal), the next harness finds the file of a dead owner at start
 * and sweeps: it kills what is left (API, runners, their agents), unmounts the mounts, removes the
 * cgroups and deletes the file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cmdlineOf, isAlive, isSameProcess, signal, sleep, startTimeOf } from './procinfo.js';

export interface RegisteredProc {
  pid: number;
  start_time: string | null;
  role: string;
  name: string;
}

interface RegistryFile {
  pid: number;
  start_time: string | null;
  started_at: string;
  evidence: string;
  procs: RegisteredProc[];
  ledgers: string[];
  /** tmpfs mount points a drill made (absolute); absent in files of older harnesses. */
  mounts?: string[];
  /** cgroup directories a drill made (absolute, under /sys/fs/cgroup). */
  cgroups?: string[];
}

export function defaultStateDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `multyagents-chaos-${uid}`);
}

export class HarnessRegistry {
  private readonly file: string;
  private readonly data: RegistryFile;

  constructor(
    readonly stateDir: string,
    evidence: string,
  ) {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, `harness-${process.pid}.json`);
    this.data = {
      pid: process.pid,
      start_time: startTimeOf(process.pid),
      started_at: new Date().toISOString(),
      evidence,
      procs: [],
      ledgers: [],
      mounts: [],
      cgroups: [],
    };
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  add(p: RegisteredProc): void {
    this.data.procs.push(p);
    this.save();
  }

  remove(pid: number): void {
    this.data.procs = this.data.procs.filter((p) => p.pid !== pid);
    this.save();
  }

  addLedger(file: string): void {
    if (!this.data.ledgers.includes(file)) this.data.ledgers.push(file);
    this.save();
  }

  /** A mount point the drill made: registered before it mounts, forgotten once unmounted. */
  addMount(dir: string): void {
    this.data.mounts = [...new Set([...(this.data.mounts ?? []), dir])];
    this.save();
  }

  removeMount(dir: string): void {
    this.data.mounts = (this.data.mounts ?? []).filter((d) => d !== dir);
    this.save();
  }

  /** A cgroup the drill made: registered once created, forgotten once removed. */
  addCgroup(dir: string): void {
    this.data.cgroups = [...new Set([...(this.data.cgroups ?? []), dir])];
    this.save();
  }

  removeCgroup(dir: string): void {
    this.data.cgroups = (this.data.cgroups ?? []).filter((d) => d !== dir);
    this.save();
  }

  get procs(): RegisteredProc[] {
    return [...this.data.procs];
  }

  /** Clean end: nothing of ours is left to sweep. */
  close(): void {
    fs.rmSync(this.file, { force: true });
  }
}

export interface SweepOutcome {
  registries: number;
  killed: Array<{ pid: number; role: string; name: string }>;
  /** Mount points unmounted and cgroups removed for dead harnesses. */
  unmounted: string[];
  cgroups_removed: string[];
}

/** Whether `dir` is a mount point now (per /proc/self/mounts; octal escapes of spaces decoded). */
export function isMountPoint(dir: string): boolean {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return false;
  }
  const target = path.resolve(dir);
  return text
    .split('\n')
    .some(
      (l) =>
        l.split(' ')[1]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) ===
        target,
    );
}

/**
 * A cgroup a dead harness left: whatever is still in it goes back to its parent, then it is removed.
 * Only directories under /sys/fs/cgroup named by a drill (`multyagents-drill-…`) are touched.
 */
function removeLeftCgroup(dir: string): boolean {
  if (!dir.startsWith('/sys/fs/cgroup/') || !path.basename(dir).startsWith('multyagents-drill-'))
    return false;
  if (!fs.existsSync(dir)) return false;
  try {
    const procs = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    for (const pid of procs) {
      try {
        fs.writeFileSync(path.join(path.dirname(dir), 'cgroup.procs'), pid);
      } catch {
        /* exited meanwhile */
      }
    }
    fs.rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

function ledgerPids(file: string): number[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const line of text.split('\n')) {
    try {
      const l = JSON.parse(line) as { pid?: unknown; child_pid?: unknown };
      for (const p of [l.pid, l.child_pid]) if (typeof p === 'number') out.push(p);
    } catch {
      /* partial line */
    }
  }
  return out;
}

/** Kill what crashed harnesses left behind; registries of live harnesses are left alone. */
export async function sweepLeftovers(stateDir: string): Promise<SweepOutcome> {
  const out: SweepOutcome = { registries: 0, killed: [], unmounted: [], cgroups_removed: [] };
  let files: string[] = [];
  try {
    files = fs.readdirSync(stateDir).filter((f) => /^harness-\d+\.json$/.test(f));
  } catch {
    return out;
  }
  for (const f of files) {
    const file = path.join(stateDir, f);
    let reg: RegistryFile;
    try {
      reg = JSON.parse(fs.readFileSync(file, 'utf8')) as RegistryFile;
    } catch {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (reg.pid !== process.pid && reg.start_time !== null && isSameProcess(reg.pid, reg.start_time))
      continue;
    if (reg.pid !== process.pid && reg.start_time === null && isAlive(reg.pid)) continue;
    out.registries++;
    const victims = reg.procs.filter((p) =>
      p.start_time !== null
        ? isSameProcess(p.pid, p.start_time)
        : isAlive(p.pid) && cmdlineOf(p.pid).includes('multyagents'),
    );
    for (const v of victims) {
      // Detached children lead their own process group: take the whole group (a runner's reaper too).
      signal(v.pid, 'SIGCONT');
      signal(-v.pid, 'SIGKILL');
      signal(v.pid, 'SIGKILL');
      out.killed.push({ pid: v.pid, role: v.role, name: v.name });
    }
    for (const ledger of reg.ledgers ?? []) {
      for (const pid of ledgerPids(ledger)) {
        const cmd = cmdlineOf(pid);
        // Only our fake agent (or the child it spawns) — never an unrelated process that reused the pid.
        if (isAlive(pid) && (cmd.includes('mockAgent') || cmd.includes('setInterval(() => {}, 1e9)'))) {
          if (signal(pid, 'SIGKILL')) out.killed.push({ pid, role: 'agent', name: path.basename(ledger) });
        }
      }
    }
    if (victims.length) await sleep(100);
    for (const dir of reg.mounts ?? []) {
      // Lazy: a process of ours that is still dying may hold a file there.
      if (isMountPoint(dir) && spawnSync('umount', ['-l', dir]).status === 0) out.unmounted.push(dir);
    }
    for (const dir of reg.cgroups ?? []) if (removeLeftCgroup(dir)) out.cgroups_removed.push(dir);
    fs.rmSync(file, { force: true });
  }
  return out;
}
