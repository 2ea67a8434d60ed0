/**
 * A private cgroup-v1 memory cgroup for one drill (root only): created as a child of the cgroup the
 * target process is in (never at the top, so a harness that itself runs in a limited cgroup stays
 * inside it), limited, and handed one process whose children inherit it. `remove` moves whatever is
 * left back to the parent, then deletes the cgroup; it is idempotent.
 */
import fs from 'node:fs';
import path from 'node:path';

export const MEMORY_V1 = '/sys/fs/cgroup/memory';

/** The process's cgroup-v1 memory path (relative to the hierarchy's root), or null without one. */
export function memoryCgroupOf(pid: number): string | null {
  let text = '';
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [, controllers, rel] = line.split(':');
    if (rel !== undefined && controllers!.split(',').includes('memory')) return rel;
  }
  return null;
}

/** The `oom_kill` counter of a v1 `memory.oom_control` text (null when the kernel does not keep one). */
export function oomKillsOf(oomControl: string): number | null {
  const m = /^oom_kill (\d+)$/m.exec(oomControl);
  return m ? Number(m[1]) : null;
}

export interface CgroupReading {
  oom_kill: number | null;
  under_oom: boolean;
  failcnt: number;
  max_usage_bytes: number;
  procs: number[];
}

export class DrillMemoryCgroup {
  private removed = false;

  private constructor(
    readonly dir: string,
    readonly parentDir: string,
  ) {}

  /** Null when there is no v1 memory hierarchy or the process is not in it. */
  static create(pid: number, name: string, limitBytes: number): DrillMemoryCgroup | null {
    const rel = memoryCgroupOf(pid);
    if (rel === null || !fs.existsSync(path.join(MEMORY_V1, 'cgroup.procs'))) return null;
    const parentDir = path.join(MEMORY_V1, rel);
    const dir = path.join(parentDir, name);
    fs.mkdirSync(dir);
    const cg = new DrillMemoryCgroup(dir, parentDir);
    try {
      // memory first: memsw may never be below it. memsw exists only with swap accounting; with it,
      // swap cannot postpone the OOM kill.
      cg.write('memory.limit_in_bytes', String(limitBytes));
      if (fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes')))
        cg.write('memory.memsw.limit_in_bytes', String(limitBytes));
      // Without swap accounting, swapping would only postpone the kill: this cgroup does not swap.
      cg.write('memory.swappiness', '0');
    } catch (err) {
      cg.remove();
      throw err;
    }
    return cg;
  }

  private write(file: string, value: string): void {
    fs.writeFileSync(path.join(this.dir, file), value);
  }

  private read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), 'utf8');
  }

  /** Move the whole thread group of `pid` in; what it spawns from now on is born here. */
  enter(pid: number): void {
    this.write('cgroup.procs', String(pid));
  }

  holds(pid: number): boolean {
    return memoryCgroupOf(pid) === `/${path.relative(MEMORY_V1, this.dir)}`;
  }

  reading(): CgroupReading {
    const oom = this.read('memory.oom_control');
    return {
      oom_kill: oomKillsOf(oom),
      under_oom: /^under_oom 1$/m.test(oom),
      failcnt: Number(this.read('memory.failcnt').trim()),
      max_usage_bytes: Number(this.read('memory.max_usage_in_bytes').trim()),
      procs: this.procs(),
    };
  }

  private procs(): number[] {
    return this.read('cgroup.procs').split('\n').filter(Boolean).map(Number);
  }

  get isRemoved(): boolean {
    return this.removed || !fs.existsSync(this.dir);
  }

  /** Move every process back to the parent and delete the cgroup; true once it is gone. */
  remove(): boolean {
    if (this.isRemoved) return (this.removed = true);
    for (let i = 0; i < 20; i++) {
      try {
        for (const pid of this.procs()) {
          try {
            fs.writeFileSync(path.join(this.parentDir, 'cgroup.procs'), String(pid));
          } catch {
            // Exited between the read and the move.
          }
        }
        fs.rmdirSync(this.dir);
        this.removed = true;
        return true;
      } catch {
        // EBUSY while a killed process is still being torn down: the next pass moves or finds it gone.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    }
    return this.isRemoved;
  }
}
