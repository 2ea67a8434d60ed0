/**
 * Host-wide advisory path locks of shared-workspace attempts, checked by the runner right before it
 * spawns. The API enforces lock_paths at dispatch; this catches what it cannot see: two runners (two
 * APIs, or one that lost track) about to let two agents write the same tree.
 *
 * The registry is a directory shared by every runner of the host: one JSON file per holder,
 * `<sha256(task:attempt)>.json` = {task_id, attempt, runner, pid, proc_start, paths, acquired_at, token}.
 * Two paths conflict when one equals or contains the other. A holder whose process is gone (pid dead,
 * or reused: proc_start differs) is stale and removed by whoever meets it; a newer attempt of the same
 * task supersedes an older one's lock.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pidAlive, processStartTime } from '../executors/procfs.js';

export interface PathLockHolder {
  task_id: number;
  attempt: number;
  runner: string;
  pid: number;
  proc_start: string | null;
  paths: string[];
  acquired_at: string;
  /** Names this acquisition: a release never removes a later lock of the same attempt. */
  token: string;
}

export interface PathLockRequest {
  task_id: number;
  attempt: number;
  /** Absolute paths; compared after realpath (of their longest existing prefix). */
  paths: string[];
}

export type PathLockResult =
  | { ok: true; paths: string[]; release(): Promise<void> }
  | { ok: false; holder: PathLockHolder; path: string; held_path: string };

export interface PathLocksOptions {
  dir: string;
  /** The runner's name, recorded for the operator. */
  runner: string;
  /** The process that holds the locks (default: this one); its death frees them. */
  pid?: number;
  alive?: (pid: number, procStart: string | null) => boolean;
  now?: () => number;
  /** How long to wait for the registry mutex before giving up. */
  busyTimeoutMs?: number;
}

/** One path equals or contains the other. */
export function pathsOverlap(a: string, b: string): boolean {
  const inside = (c: string, p: string) => c === p || p === '/' || c.startsWith(p + '/');
  return inside(a, b) || inside(b, a);
}

/** The realpath of the longest existing prefix, plus the rest: `/srv/link/new` and `/data/new` compare equal. */
export function canonicalPath(p: string): string {
  if (!path.isAbsolute(p)) throw new Error(`path lock: ${JSON.stringify(p)} is not an absolute path`);
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(canonicalPath(parent), path.basename(abs));
  }
}

function holderAlive(pid: number, procStart: string | null): boolean {
  return pidAlive(pid) && (procStart === null || processStartTime(pid) === procStart);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PathLocks {
  private readonly db: Database.Database;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly pid: number;
  private readonly procStart: string | null;
  private readonly alive: (pid: number, procStart: string | null) => boolean;
  private readonly now: () => number;

  constructor(private readonly o: PathLocksOptions) {
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o777 });
    // The registry mutex. Why SQLite and not an O_EXCL mutex file: a file mutex whose holder died
    // must be taken over, and two processes taking over the same dead holder can both win (read,
    // unlink, create interleave). SQLite's exclusive lock is a kernel file lock, dropped with its
    // process, so there is nothing to take over. timeout 0: we wait asynchronously, never blocking.
    this.db = new Database(path.join(o.dir, '.mutex.db'), { timeout: 0 });
    this.pid = o.pid ?? process.pid;
    this.procStart = processStartTime(this.pid);
    this.alive = o.alive ?? holderAlive;
    this.now = o.now ?? Date.now;
  }

  close(): void {
    this.db.close();
  }

  acquire(req: PathLockRequest): Promise<PathLockResult> {
    const paths = [...new Set(req.paths.map(canonicalPath))];
    if (paths.length === 0) return Promise.resolve({ ok: true, paths, release: () => Promise.resolve() });
    return this.locked(() => {
      for (const h of this.scan().live) {
        const same = h.task_id === req.task_id;
        if (same && h.attempt === req.attempt && h.pid === this.pid) continue; // re-acquire: replaced below
        if (same && h.attempt < req.attempt) {
          this.remove(h);
          continue;
        }
        // The same task's newer attempt, or the same attempt in another process, holds everything.
        const clash = same ? { path: paths[0], held: h.paths[0] } : this.clash(paths, h.paths);
        if (clash) return { ok: false, holder: h, path: clash.path, held_path: clash.held };
      }
      const holder: PathLockHolder = {
        task_id: req.task_id,
        attempt: req.attempt,
        runner: this.o.runner,
        pid: this.pid,
        proc_start: this.procStart,
        paths,
        acquired_at: new Date(this.now()).toISOString(),
        token: randomUUID(),
      };
      const file = this.fileOf(req.task_id, req.attempt);
      fs.rmSync(file, { force: true });
      // O_EXCL: under the mutex nobody else creates it; this refuses rather than overwrite if one did.
      fs.writeFileSync(file, JSON.stringify(holder), { flag: 'wx', mode: 0o644 });
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await this.locked(() => {
          const cur = this.read(file);
          if (cur?.token === holder.token) fs.rmSync(file, { force: true });
        });
      };
      return { ok: true, paths, release };
    });
  }

  /** Remove every stale holder (dead process); returns how many. Call at runner start. */
  sweep(): Promise<number> {
    return this.locked(() => this.scan().removed);
  }

  /** Live holders (stale and unreadable ones are removed on the way). */
  list(): Promise<PathLockHolder[]> {
    return this.locked(() => this.scan().live);
  }

  private clash(mine: string[], held: string[]): { path: string; held: string } | null {
    for (const p of mine) for (const q of held) if (pathsOverlap(p, q)) return { path: p, held: q };
    return null;
  }

  private fileOf(taskId: number, attempt: number): string {
    const sha = createHash('sha256').update(`${taskId}:${attempt}`).digest('hex').slice(0, 32);
    return path.join(this.o.dir, `${sha}.json`);
  }

  private read(file: string): PathLockHolder | null {
    try {
      const h = JSON.parse(fs.readFileSync(file, 'utf8')) as PathLockHolder;
      return Number.isInteger(h.pid) && Array.isArray(h.paths) ? h : null;
    } catch {
      return null;
    }
  }

  private remove(h: PathLockHolder): void {
    fs.rmSync(this.fileOf(h.task_id, h.attempt), { force: true });
  }

  private scan(): { live: PathLockHolder[]; removed: number } {
    const live: PathLockHolder[] = [];
    let removed = 0;
    for (const name of fs.readdirSync(this.o.dir)) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.o.dir, name);
      const h = this.read(file);
      // Unreadable: its writer died mid-write (writes happen under the mutex we hold now).
      if (h === null || !this.alive(h.pid, h.proc_start)) {
        fs.rmSync(file, { force: true });
        removed++;
        continue;
      }
      live.push(h);
    }
    return { live, removed };
  }

  private locked<T>(fn: () => T): Promise<T> {
    const run = this.chain.then(async () => {
      const deadline = Date.now() + (this.o.busyTimeoutMs ?? 10_000);
      for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
        try {
          this.db.exec('BEGIN EXCLUSIVE');
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
          if (Date.now() > deadline) throw new Error(`path-lock registry ${this.o.dir} stayed busy`);
          await sleep(delay * (0.5 + Math.random()));
        }
      }
      try {
        return fn();
      } finally {
        this.db.exec('COMMIT');
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
