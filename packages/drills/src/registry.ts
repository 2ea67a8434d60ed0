/**
 * The harness registry: one small JSON file per running harness in a per-user state dir, listing the
 * processes it started (pid + kernel start time) and the effect ledgers its agents write. If a harness
 * dies without rolling back (kill -9, power loss of the terminal), the next harness finds the file of
 * a dead owner at start and sweeps: it kills what is left (API, runners, their agents) and deletes it.
 */
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
  const out: SweepOutcome = { registries: 0, killed: [] };
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
    fs.rmSync(file, { force: true });
  }
  return out;
}
