import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { AppError } from '../../lib/errors.js';
import { faultPoint } from '../../lib/faults.js';
import { storeErrorOf } from '../../lib/sqliteErrors.js';
import type { BatchHook, Param, RunResult, Sql, Store, StoreHealth } from '../sql.js';
import { Checkpointer } from './checkpointer.js';
import { runMigrations } from './migrate.js';
import { readWalTail, type WalTail } from './walTail.js';

export interface SqliteStoreOptions {
  file: string;
  durability: 'full' | 'relaxed';
  /**
   * Hold an exclusive lock (on `<file>.lock`) for the life of the process, so that a second API on the
   * same data dir cannot open the store. The kernel drops the lock when the process dies, even on kill -9.
   */
  exclusive: boolean;
  /** Told once when the store stops for good (a failed WAL fsync); the process should exit. */
  onFatal?: (err: AppError) => void;
  /**
   * Start the checkpointer thread only when `startCheckpointer()` is called or at the first WAL guard
   * (64 write groups in), not at open. The API defers it until it has served a while.
   */
  deferCheckpointer?: boolean;
}

type Job =
  | {
      kind: 'tx';
      fn: (sql: Sql) => Promise<unknown>;
      resolve: (v: unknown) => void;
      reject: (e: unknown) => void;
    }
  | {
      kind: 'read';
      fn: (sql: Sql) => Promise<unknown>;
      resolve: (v: unknown) => void;
      reject: (e: unknown) => void;
    };

const fdatasync = promisify(fs.fdatasync);

/**
 * A query returning rows, fetched as arrays and turned into objects here: better-sqlite3 builds every
 * column name afresh for each object row, which costs more than the query itself on the wide `tasks`
 * table (measured: a `SELECT *` of one task ~40% cheaper this way).
 */
class Reader {
  private readonly names: string[];
  /** A statement that returns rows can still write (`INSERT … RETURNING`): its group must be fsynced. */
  private readonly writes: boolean;

  constructor(
    private readonly st: Database.Statement,
    private readonly wrote: () => void,
  ) {
    st.raw(true);
    this.names = st.columns().map((c) => c.name);
    this.writes = !st.readonly;
  }

  all(params: readonly Param[]): Record<string, unknown>[] {
    if (this.writes) this.wrote();
    return (this.st.all(...params) as unknown[][]).map((r) => this.object(r));
  }

  get(params: readonly Param[]): Record<string, unknown> | undefined {
    if (this.writes) this.wrote();
    const r = this.st.get(...params) as unknown[] | undefined;
    return r === undefined ? undefined : this.object(r);
  }

  private object(r: unknown[]): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this.names.length; i++) o[this.names[i]!] = r[i];
    return o;
  }
}

/**
 * At most this many write transactions share one commit. Groups grow this big only when work piles up
 * behind a commit; bench B3 (256 runs in flight), alternately: 1151/1199/1184 runs/s at 64,
 * 1208/1222/1234 at 256.
 */
const GROUP_MAX = 256;
/** The checkpointer copies the WAL into the database once it is this big. */
const WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024;
/**
 * Past this, the store checkpoints on its own thread even though a checkpointer runs. Under steady
 * writes the worker's PASSIVE checkpoints keep up but rarely finish at a moment when no new frame was
 * appended, and only a finished checkpoint lets the next write restart the WAL from its start; the
 * store's own checkpoint runs between two groups, copies only the few frames the worker has not, and
 * so lets the WAL restart. Small enough that this copy stays short.
 */
const WAL_HARD_CAP_BYTES = 16 * 1024 * 1024;

/**
 * A second API on the same data dir must fail at once. The database itself cannot hold that lock
 * (the checkpointer needs a second connection), so a small lock database next to it does: opened in
 * EXCLUSIVE locking mode with a write transaction, it keeps its lock for the life of the process, and
 * the kernel drops it when the process dies — even on kill -9, so a stale pid file never blocks.
 */
function takeLock(file: string): Database.Database {
  const lock = new Database(`${file}.lock`, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma('journal_mode = MEMORY');
    lock.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER); BEGIN IMMEDIATE; DELETE FROM owner; COMMIT;');
    return lock;
  } catch (err) {
    lock.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new AppError('DATA_DIR_LOCKED', `the store ${file} is locked by another process`);
    }
    throw err;
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly durability: 'full' | 'relaxed';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly readers = new Map<string, Reader>();
  private readonly queue: Job[] = [];
  /** `txSoon` jobs held until the next job arrives or their timer fires (see txSoon). */
  private readonly held: Job[] = [];
  private heldTimer: NodeJS.Timeout | null = null;
  private readonly walFile: string;
  private walFd: number | null = null;
  /** The WAL as found at open, before recovery (null: none, or not the owning process). */
  walAtOpen: WalTail | null = null;
  private draining = false;
  private readonly sql: Sql;
  private closed = false;
  private hook: BatchHook | null = null;
  /** Set for good once a WAL fsync failed (see failStop). */
  private stopped: AppError | null = null;
  private readonly checkpointer: Checkpointer;
  private batchesSinceGuard = 0;
  /** Set by any statement that changed rows since the last commit: an unchanged group needs no fsync. */
  private dirty = false;
  /**
   * The transaction-control statements of every group, prepared once: `db.exec` parses its text anew
   * each time, and a two-step run at one client goes through ~17 of them.
   */
  private readonly ctl: Record<
    'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo',
    Database.Statement
  >;

  private constructor(
    db: Database.Database,
    durability: 'full' | 'relaxed',
    file: string,
    private readonly lock: Database.Database | null,
    private readonly onFatal?: (err: AppError) => void,
  ) {
    this.db = db;
    this.ctl = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE job'),
      rollbackTo: db.prepare('ROLLBACK TO job'),
    };
    this.checkpointer = new Checkpointer({
      file,
      thresholdBytes: WAL_CHECKPOINT_BYTES,
      intervalMs: 50,
      // Measured (bench B1, open loop 500/s, alternately): one checkpoint per 50 ms made the WAL's
      // fdatasync wait behind the database's (p50 4.5-7 ms); at most one per second: 62-77 -> 7
      // checkpoints in the phase and create p50 45-103 -> 15-20 ms.
      minGapMs: 1000,
      onError: (message) => {
        // Busy now and then is normal (a write was starting); anything else is worth a line.
        if (!/busy|locked/i.test(message)) process.stderr.write(`[store] checkpoint: ${message}\n`);
      },
    });
    this.walFile = `${file}-wal`;
    this.durability = durability;
    const prepare = (text: string): Database.Statement => {
      let st = this.statements.get(text);
      if (!st) {
        st = this.db.prepare(text);
        this.statements.set(text, st);
      }
      return st;
    };
    const reader = (text: string): Reader => {
      let r = this.readers.get(text);
      if (!r) {
        r = new Reader(this.db.prepare(text), () => (this.dirty = true));
        this.readers.set(text, r);
      }
      return r;
    };
    this.sql = {
      all: async <T>(text: string, params: readonly Param[] = []) => reader(text).all(params) as T[],
      get: async <T>(text: string, params: readonly Param[] = []) =>
        reader(text).get(params) as T | undefined,
      run: async (text: string, params: readonly Param[] = []): Promise<RunResult> => {
        const r = prepare(text).run(...params);
        if (r.changes > 0) this.dirty = true;
        return { changes: r.changes, lastId: Number(r.lastInsertRowid) };
      },
    };
  }

  static open(opts: SqliteStoreOptions): SqliteStore {
    fs.mkdirSync(path.dirname(opts.file), { recursive: true });
    const lock = opts.exclusive ? takeLock(opts.file) : null;
    // Before SQLite's silent recovery runs: what of the WAL it is about to drop (a torn tail).
    const walTail = opts.exclusive ? readWalTail(opts.file) : null;
    let db: Database.Database;
    try {
      db = new Database(opts.file, { timeout: 0 });
    } catch (err) {
      lock?.close();
      throw storeErrorOf(err, opts.file) ?? err;
    }
    try {
      db.pragma('journal_mode = WAL');
      // Durability `full` = the WAL is fsynced after every commit before anyone is answered — but we
      // issue that fdatasync ourselves, off the event loop (see runBatch), instead of letting SQLite
      // block the only thread on it (synchronous=FULL). SQLite itself runs at NORMAL, which still
      // syncs the WAL before each checkpoint and the database after it. `relaxed` skips our fsync:
      // the last commits may be lost on power loss (never on a process crash); benchmarks label it.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 0');
      // Savepoints (one per job of a group) need a statement journal; on disk that is a temp file
      // opened, unlinked and closed per transaction. It holds nothing worth keeping across a crash.
      // Measured (packages/bench/scripts/api-cpu.mjs, one client): 0.74 -> 0.66 ms of API CPU per create.
      db.pragma('temp_store = MEMORY');
      // Checkpoints run in the checkpointer's thread, not inside our commits (see checkpointer.ts).
      db.pragma('wal_autocheckpoint = 0');
      // After a burst grew the WAL, it is cut back to this size when it restarts from the beginning.
      db.pragma('journal_size_limit = 67108864');
      runMigrations(db);
    } catch (err) {
      db.close();
      lock?.close();
      throw storeErrorOf(err, opts.file) ?? err;
    }
    const store = new SqliteStore(db, opts.durability, opts.file, lock, opts.onFatal);
    store.walAtOpen = walTail;
    if (!opts.deferCheckpointer) store.startCheckpointer();
    return store;
  }

  /**
   * Start the checkpointer thread if it is not running yet (see SqliteStoreOptions.deferCheckpointer);
   * after close it stays stopped (the checkpointer refuses to start once stopped).
   */
  startCheckpointer(): void {
    this.checkpointer.start();
  }

  /**
   * Group commit. Jobs run one at a time on the single connection, in arrival order. Write
   * transactions that are waiting together run inside ONE `BEGIN IMMEDIATE … COMMIT`, each in its own
   * SAVEPOINT (a failing one rolls back alone; a job alone in its group needs none), and all resolve
   * only after the shared COMMIT — so every acknowledged change is durable, and N concurrent changes
   * cost one fsync instead of N. Reads run between batches, never inside one, so nobody reads a change
   * before it is committed.
   */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.enqueue('tx', fn);
  }

  /**
   * Held back until any other job arrives (it then goes first: it came first) or `withinMs` passed.
   * A runner's answer to a submit arrives a moment before its report of the same attempt, or the next
   * create: both then share one group (measured: bench B1 one client, 5 → 3 groups per two-step run).
   * Reads do not release it: they may not see it yet, as if the answer had arrived a little later —
   * nobody was told it is stored.
   */
  txSoon<T>(fn: (sql: Sql) => Promise<T>, withinMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.held.push({ kind: 'tx', fn, resolve: resolve as (v: unknown) => void, reject });
      this.heldTimer ??= setTimeout(() => {
        this.heldTimer = null;
        this.release();
        if (!this.draining) void this.drain();
      }, withinMs);
    });
  }

  read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.enqueue('read', fn);
  }

  /** Held jobs join the queue, ahead of whatever arrives after them. */
  private release(): void {
    if (!this.held.length) return;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.queue.push(...this.held.splice(0));
  }

  setBatchHook(hook: BatchHook | null): void {
    this.hook = hook;
  }

  async close(): Promise<void> {
    // Held transactions go first: they commit before the store closes (a stopped store refuses them).
    this.release();
    // A stopped store refuses every queued job; closing must still work.
    if (this.stopped) {
      if (!this.draining) void this.drain();
      return this.closeNow();
    }
    await this.enqueue('read', () => this.closeNow());
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The checkpointer's connection goes first: the last one to close checkpoints and drops the WAL.
    await this.checkpointer.stop();
    this.statements.clear();
    this.readers.clear();
    this.db.close();
    if (this.walFd !== null) fs.closeSync(this.walFd);
    this.walFd = null;
    this.lock?.close();
  }

  private enqueue<T>(kind: Job['kind'], fn: (sql: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (kind === 'tx') this.release();
      this.queue.push({ kind, fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length) {
        if (this.queue[0]!.kind === 'read') {
          const job = this.queue.shift()!;
          try {
            this.assertOpen();
            job.resolve(await job.fn(this.sql));
          } catch (err) {
            job.reject(err);
          }
          continue;
        }
        const batch: Job[] = [];
        while (batch.length < GROUP_MAX && this.queue.length && this.queue[0]!.kind === 'tx')
          batch.push(this.queue.shift()!);
        await this.runBatch(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const done: Array<{ job: Job; ok: boolean; value: unknown }> = [];
    try {
      this.assertOpen();
      this.ctl.begin.run();
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    }
    // A lone job needs no savepoint of its own: if it fails, rolling back the whole transaction undoes
    // exactly its changes (and the group ends there, as when SQLite rolls back by itself).
    const lone = batch.length === 1;
    for (const [i, job] of batch.entries()) {
      const r = lone ? await this.alone(job.fn) : await this.inSavepoint(job.fn);
      done.push({ job, ok: r.ok, value: r.value });
      if (!this.db.inTransaction) {
        // The jobs after it had no part in the failure: they run in the next group.
        this.queue.unshift(...batch.slice(i + 1));
        return this.groupLost(done, r.value);
      }
    }
    const hook = this.hook;
    let hooked: { ok: boolean; value: unknown } | null = null;
    if (hook?.wanted()) {
      hooked = await this.inSavepoint((sql) => hook.run(sql));
      if (!hooked.ok) hook.failed(hooked.value);
      if (!this.db.inTransaction) return this.groupLost(done, hooked.value);
    }
    try {
      this.ctl.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.ctl.rollback.run();
      this.dirty = false;
      this.noteWriteError(err);
      for (const d of done) d.job.reject(d.ok ? err : d.value);
      if (hooked?.ok) hook!.failed(err);
      return;
    }
    // Nobody is answered, and nothing is read, before the commit is on disk.
    const wrote = this.dirty;
    if (this.durability === 'full' && this.dirty) {
      try {
        await this.syncWal();
      } catch (err) {
        const stop = this.failStop(err);
        for (const d of done) d.job.reject(d.ok ? stop : d.value);
        if (hooked?.ok) hook!.failed(stop);
        return;
      }
    }
    this.dirty = false;
    this.writeFailing = null;
    if (wrote) this.notifyCommitted();
    // After the commit is durable: whatever happens here must not fail the group's callers.
    this.walGuard();
    // The hook's follow-up (e.g. sending submits) starts before the callers hear back: both are
    // only allowed now, and starting the follow-up first keeps it off the callers' critical path.
    if (hooked?.ok) {
      try {
        hook!.committed(hooked.value);
      } catch (err) {
        hook!.failed(err);
      }
    }
    for (const d of done) (d.ok ? d.job.resolve : d.job.reject)(d.value);
  }

  /**
   * The whole transaction was rolled back — by SQLite (SQLITE_FULL, IOERR or NOMEM in a statement), or
   * by us after a lone job failed: the changes of every job of the group so far are gone, so none of
   * them may be answered as committed.
   */
  private groupLost(done: Array<{ job: Job; ok: boolean; value: unknown }>, cause: unknown): void {
    this.dirty = false;
    this.noteWriteError(cause);
    for (const d of done) d.job.reject(d.ok ? cause : d.value);
  }

  /**
   * One unit of a group: its own savepoint, so a failing one rolls back alone — unless SQLite already
   * rolled back the whole transaction, savepoints included (the caller checks `inTransaction`).
   */
  private async inSavepoint(fn: (sql: Sql) => Promise<unknown>): Promise<{ ok: boolean; value: unknown }> {
    this.ctl.savepoint.run();
    try {
      const value = await fn(this.sql);
      this.ctl.release.run();
      return { ok: true, value };
    } catch (err) {
      if (this.db.inTransaction) {
        this.ctl.rollbackTo.run();
        this.ctl.release.run();
      }
      return { ok: false, value: err };
    }
  }

  /** The only job of its group, without a savepoint: a failure rolls the whole transaction back. */
  private async alone(fn: (sql: Sql) => Promise<unknown>): Promise<{ ok: boolean; value: unknown }> {
    try {
      const value = await fn(this.sql);
      // A job that caught SQLite's own rollback (disk full) and returned anyway did not commit.
      if (!this.db.inTransaction) throw new Error('the transaction was rolled back during the job');
      return { ok: true, value };
    } catch (err) {
      if (this.db.inTransaction) this.ctl.rollback.run();
      return { ok: false, value: err };
    }
  }

  /**
   * The WAL must stay bounded even if the checkpointer died or cannot keep up: every 64 groups, look at
   * its size and checkpoint here (blocking, rare) past a hard cap — or past the normal threshold when
   * the checkpointer is gone.
   */
  private walGuard(): void {
    if (++this.batchesSinceGuard < 64) return;
    this.batchesSinceGuard = 0;
    if (!this.checkpointer.started) {
      // Deferred (see SqliteStoreOptions), and 64 write groups have gone by: writes are steady now, so
      // the thread starts, rather than the WAL growing or being checkpointed here on the event loop.
      this.startCheckpointer();
      return;
    }
    let size = 0;
    try {
      size = fs.statSync(this.walFile).size;
    } catch {
      return;
    }
    // The file keeps its size when the log restarts from its start, so once it has grown, its size
    // says nothing: the running worker tells the log's real length (checkpointing here every 64
    // groups on the file's size alone cost ~0.7 ms each, on the event loop, for nothing).
    const logBytes = this.checkpointer.logBytes;
    if (logBytes !== null) size = Math.min(size, logBytes);
    const cap = this.checkpointer.running ? WAL_HARD_CAP_BYTES : WAL_CHECKPOINT_BYTES;
    if (size <= cap) return;
    try {
      const r = (
        this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>
      )[0];
      // All of the log copied: the next write restarts it from its start.
      if (r && r.log >= 0 && r.checkpointed === r.log) this.checkpointer.noteLogRestarting();
    } catch (err) {
      // The WAL only stays longer; the next guard tries again.
      process.stderr.write(`[store] checkpoint: ${(err as Error).message}\n`);
    }
  }

  /** fdatasync the WAL on the libuv thread pool: the event loop keeps taking requests meanwhile. */
  private async syncWal(): Promise<void> {
    // Drills make an fsync fail here (MULTYAGENTS_FAULTS=wal-fsync=throw-after:<n>): the fail-stop path.
    await faultPoint('wal-fsync');
    if (this.walFd === null) {
      // The WAL exists once anything was written; it is never unlinked while the database is open.
      if (!fs.existsSync(this.walFile)) return;
      this.walFd = fs.openSync(this.walFile, 'r');
      // A WAL file created since the database was opened is durable only once its directory entry is:
      // sync the directory once (SQLite at NORMAL would do it only at its first checkpoint).
      const dir = fs.openSync(path.dirname(this.walFile), 'r');
      try {
        await fdatasync(dir);
      } finally {
        fs.closeSync(dir);
      }
    }
    await fdatasync(this.walFd);
  }

  assertUsable(): void {
    this.assertOpen();
  }

  private readonly commitListeners = new Set<() => void>();

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** After a durable commit that wrote something; listeners only schedule work (the event stream). */
  private notifyCommitted(): void {
    for (const l of this.commitListeners) {
      try {
        l();
      } catch {
        // A listener's failure is its own; the commit stands.
      }
    }
  }

  private writeFailing: StoreHealth['write_failing'] = null;
  private integrity: Pick<StoreHealth, 'integrity' | 'integrity_detail'> = { integrity: 'pending' };

  health(): StoreHealth {
    return { write_failing: this.writeFailing, ...this.integrity };
  }

  /** Set by the integrity check run after start (store/sqlite/integrity.ts). */
  setIntegrity(result: Pick<StoreHealth, 'integrity' | 'integrity_detail'>): void {
    this.integrity = result;
  }

  /** A commit that failed for want of space or an I/O error: `/health` says degraded until one succeeds. */
  private noteWriteError(err: unknown): void {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') return;
    if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY'))
      this.writeFailing ??= {
        code,
        since: Date.now(),
        detail: err instanceof Error ? err.message : String(err),
      };
  }

  private assertOpen(): void {
    if (this.stopped) throw this.stopped;
    if (this.closed) throw new AppError('STORE_UNAVAILABLE');
  }

  /**
   * A failed fdatasync of the WAL stops the store for good (fail-stop, as PostgreSQL does): after a
   * failed write-back the kernel may have dropped the dirty pages and a later fsync can report success
   * for data that never reached the disk, so no further change may be acknowledged. Every later call
   * fails with STORE_UNAVAILABLE and `onFatal` tells the process, which should exit; on restart SQLite
   * recovers from what is really on disk.
   */
  private failStop(err: unknown): AppError {
    if (!this.stopped) {
      const why = err instanceof Error ? err.message : String(err);
      this.stopped = new AppError(
        'STORE_UNAVAILABLE',
        `the store stopped: fsync of its write-ahead log failed (${why}); nothing more is acknowledged until the API is restarted`,
      );
      this.onFatal?.(this.stopped);
    }
    return this.stopped;
  }
}
