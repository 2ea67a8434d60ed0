import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { RunnerAttemptState, RunnerSubmit } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import { SyncBarrier } from './durability.js';
import { PendingIndex, type PendingEntry } from './pendingIndex.js';

/**
 * The runner's durable memory (`<data-dir>/runner.db`, used by this runner process only): the attempts
 * it accepted and the outbox of status reports it owes the API.
 *
 * Durability. Methods are synchronous; the writes of one event-loop turn commit together at the end of
 * the turn (see write()), in WAL mode at synchronous=NORMAL: a commit survives a crash of the process
 * (it is in the OS), but not a power loss until the WAL is synced. The sync is `durable()`: it commits
 * the open turn, then fdatasyncs the `-wal` file on the libuv thread pool, shared by every caller
 * waiting at the same time (SyncBarrier), so the event loop never blocks on the disk.
 *
 * Who waits for it: the submit answer (`queued`, or a duplicate's state) and the start of the agent. The
 * API treats `queued` as "the runner has it" and re-sends the same attempt when unsure, so the attempt
 * row must exist after any restart before that answer leaves or the agent runs (else: run twice).
 *
 * Who does not: status reports (running, terminal) and their bookkeeping. A power loss (or a process
 * crash within a turn) can only cost the journal its latest writes, in order (markRunning, finish,
 * settle/retry); the attempt row itself is always synced. At the next start recovery (recovery.ts) turns every attempt still queued or
 * running into a `failed`/`runner-restarted` terminal report, and never runs it again. If the API had
 * already accepted an earlier terminal report of that attempt, its task is terminal or was retried, and
 * the callback's fencing (services/callbacks.ts) refuses the late report with 409 (STALE_ATTEMPT when
 * the attempt is fenced or the task went back to `created`, ILLEGAL_TRANSITION from success/canceled)
 * or answers a no-op 200 (failed → failed): the API's state does not change, the outbox records the
 * answer. If only `running` had arrived, `runner-restarted` is the truth (the agent died with the host).
 * A lost settle just means a report is sent again, which the API answers idempotently.
 */
export type AttemptStatus = RunnerAttemptState['status'];
export type ReportState = 'none' | 'pending' | 'acked' | 'answered' | 'dead';
export type OutboxState = 'pending' | 'acked' | 'answered' | 'dead' | 'dropped';
export type OutboxKind = 'running' | 'terminal';

export interface AttemptRow {
  task_id: number;
  attempt: number;
  status: AttemptStatus;
  submit: string;
  pid: number | null;
  proc_start: string | null;
  runner_pid: number;
  exit_code: number | null;
  started_at: string | null;
  finished_at: string | null;
  message: string | null;
  failure_step: string | null;
  report_state: ReportState;
  created_at: string;
  /**
   * The agent's session as JSON (executors AgentSession: claude session id / codex thread id and the
   * resume decision), written as soon as it is known (setSession), read by recovery.
   */
  agent_session?: string | null;
}

export interface OutboxRow {
  id: number;
  task_id: number;
  attempt: number;
  kind: OutboxKind;
  url: string;
  token: string;
  body: string;
  state: OutboxState;
  tries: number;
  next_at: number;
  last_status: number | null;
  last_error: string | null;
}

export interface NewReport {
  kind: OutboxKind;
  url: string;
  token: string;
  body: Record<string, unknown>;
}

export interface TerminalFields {
  status: 'success' | 'failed' | 'canceled';
  exit_code: number | null;
  finished_at: string;
  message: string | null;
  failure_step: string | null;
}

/**
 * Attempts the API may still have to hear about (dead letters aside): what heartbeats list. The partial
 * index below has exactly this WHERE, so it holds only the few unsettled attempts and the query uses it
 * (a heartbeat used to scan every attempt of the retention period).
 */
const UNSETTLED = `status IN ('queued', 'running') OR report_state NOT IN ('acked', 'answered', 'dead')`;
/** What `GET /tasks` must always list: live, or its outcome not answered by the API (dead letters too). */
const OPEN = `status IN ('queued', 'running') OR report_state NOT IN ('acked', 'answered')`;

/**
 * Indexes are partial where the hot queries only want live rows: they stay a few pages that every
 * commit touches anyway, instead of entries moving through indexes as big as the history.
 * attempts_status and outbox_pending were their full-size predecessors (dropped in old journals);
 * outbox_next ordered pending reports by due time for the outbox's pass, which now asks the
 * in-memory PendingIndex instead (one index less to update per report write).
 */
export const JOURNAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
  task_id INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, submit TEXT NOT NULL,
  pid INTEGER, proc_start TEXT, runner_pid INTEGER NOT NULL, exit_code INTEGER,
  started_at TEXT, finished_at TEXT, message TEXT, failure_step TEXT,
  report_state TEXT NOT NULL DEFAULT 'none', created_at TEXT NOT NULL,
  PRIMARY KEY (task_id, attempt));
DROP INDEX IF EXISTS attempts_status;
CREATE INDEX IF NOT EXISTS attempts_unsettled ON attempts(task_id, attempt) WHERE ${UNSETTLED};
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER NOT NULL, attempt INTEGER NOT NULL,
  kind TEXT NOT NULL, url TEXT NOT NULL, token TEXT NOT NULL, body TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending', tries INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
  last_status INTEGER, last_error TEXT, created_at TEXT NOT NULL, done_at TEXT);
DROP INDEX IF EXISTS outbox_pending;
CREATE INDEX IF NOT EXISTS outbox_live ON outbox(task_id, attempt, id) WHERE state = 'pending';
DROP INDEX IF EXISTS outbox_due;
DROP INDEX IF EXISTS outbox_next;
`;

/**
 * The hot queries: the heartbeat's list of unsettled attempts, and the pending outbox (read once into
 * the PendingIndex, and again only after a write the index does not follow).
 */
export const HOT_QUERIES = {
  pending: `SELECT id, task_id, attempt, kind, next_at FROM outbox INDEXED BY outbox_live WHERE state = 'pending'`,
  unsettled: `SELECT * FROM attempts WHERE ${UNSETTLED} ORDER BY task_id, attempt LIMIT ?`,
} as const;

/** How a write goes (see Journal.write). */
interface WriteMode {
  /** One statement, atomic by itself: no savepoint around it. */
  single?: boolean;
  /** The write keeps the PendingIndex in step itself (else the index is dropped and reloaded). */
  indexed?: boolean;
}

export function toAttemptState(r: AttemptRow): RunnerAttemptState & Record<string, unknown> {
  return {
    task_id: r.task_id,
    attempt: r.attempt,
    status: r.status,
    exit_code: r.exit_code,
    started_at: r.started_at,
    finished_at: r.finished_at,
    message: r.message,
    reported: r.report_state === 'acked' || r.report_state === 'answered',
    failure_step: r.failure_step,
    report_state: r.report_state,
  };
}

export interface JournalOptions {
  /** How a file descriptor is synced (tests count calls); default fdatasync on the thread pool. */
  fsync?: (fd: number) => Promise<void>;
  /** Runs right before each COMMIT (tests throw from it as a full disk makes COMMIT throw). */
  beforeCommit?: () => void;
}

/** One write of a batch, kept until its batch commits so that a failed commit can apply it again. */
interface BatchEntry {
  apply: () => void;
  /** `task:attempt` of an attempt row the write inserts (see discardAttempt). */
  inserts: string | null;
}

/** How often writes kept after a failed commit are tried again. */
export const COMMIT_RETRY_MS = 200;

/**
 * The refusal of new work while the journal cannot commit because the disk is full (SQLITE_FULL):
 * 429 RUNNER_JOURNAL_FULL, which the API handles like a full runner (placed again, no retry spent).
 * Null for other failures.
 */
export function journalFullRefusal(err: unknown): AppError | null {
  if ((err as { code?: unknown } | null)?.code !== 'SQLITE_FULL') return null;
  return new AppError(
    'RUNNER_JOURNAL_FULL',
    `the runner journal cannot commit (${(err as Error).message}): no new work until it can`,
  );
}

const fdatasync = promisify(fs.fdatasync);
/** Writes that keep the PendingIndex in step themselves. */
const INDEXED: WriteMode = { indexed: true };

export class Journal {
  private readonly barrier: SyncBarrier;
  /** Prepared once per text (statements belong to this connection). */
  private readonly statements = new Map<string, Database.Statement>();
  private batchOpen = false;
  /** The pending outbox reports (null: to be read from the table at the next use). */
  private pendingIndex: PendingIndex | null = null;
  private walFd: number | null = null;
  private syncsRunning = 0;
  /** The writes of the open batch, in order. */
  private batch: BatchEntry[] = [];
  /** Writes whose commit failed (rolled back), applied again first thing in the next batch. */
  private redo: BatchEntry[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;
  /** Told when commits start failing (the error) and when one succeeds again (null). */
  onCommitState: ((failure: Error | null) => void) | null = null;

  private constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly fsync: (fd: number) => Promise<void>,
    private readonly beforeCommit: (() => void) | null,
  ) {
    this.barrier = new SyncBarrier(() => this.syncWal());
    this.barrier.wrote(); // whatever open() recovered from a previous WAL
  }

  static open(file: string, opts: JournalOptions = {}): Journal {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file, { timeout: 0 });
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL: commits do not fsync on the event loop; durable() does it off the loop. SQLite still
      // syncs the WAL before every checkpoint and the database file after it.
      db.pragma('synchronous = NORMAL');
      // Hold the write lock for the life of the process: a second runner on this data dir fails here,
      // even when a stale pid file survived a kill -9 (the kernel drops the lock with the process).
      db.pragma('locking_mode = EXCLUSIVE');
      // Statement journals (a savepoint, a multi-row UPDATE inside the open batch) in memory, not in
      // a temp file opened, unlinked and closed per statement.
      db.pragma('temp_store = MEMORY');
      // Dirty pages stay in memory until COMMIT (no spill into the WAL mid-transaction): a full disk
      // then fails the COMMIT only, never a statement half-way through a batch (see write()).
      db.pragma('cache_spill = OFF');
      db.exec('BEGIN IMMEDIATE; COMMIT;');
      db.exec(JOURNAL_SCHEMA);
      // Journals from before the session column: add it (CREATE TABLE IF NOT EXISTS does not).
      const cols = db.prepare('PRAGMA table_info(attempts)').all() as Array<{ name: string }>;
      if (!cols.some((c) => c.name === 'agent_session'))
        db.exec('ALTER TABLE attempts ADD COLUMN agent_session TEXT');
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        throw new AppError('DATA_DIR_LOCKED', `runner: ${file} is held by another runner process`);
      }
      throw err;
    }
    return new Journal(db, file, opts.fsync ?? fdatasync, opts.beforeCommit ?? null);
  }

  /** Closing checkpoints the WAL into the database file and syncs it (SQLite does, on close). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    try {
      // Writes kept from a failed commit get one last chance (the disk may have room again).
      if (this.redo.length > 0) this.begin();
      this.commit();
    } catch {
      // Still full: what could not be written is lost with the process; recovery at the next start
      // reports every attempt the journal still shows live as failed (runner-restarted).
    }
    if (this.db.open) this.db.close();
    // A sync still running on the thread pool closes the descriptor when it is done.
    if (this.syncsRunning === 0) this.closeWal();
  }

  /** Resolves when every commit made before the call is on disk (see the class comment). */
  durable(): Promise<void> {
    if (!this.db.open) return Promise.resolve();
    try {
      this.commit();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.barrier.wait();
  }

  private async syncWal(): Promise<void> {
    if (!this.db.open) return;
    // The barrier counts a write when it is made, not when its turn commits: a sync that starts on its
    // own (chained after a running one) must commit the open turn first, or it would count writes that
    // are not in the WAL yet as synced.
    this.commit();
    if (this.walFd === null) {
      const wal = `${this.file}-wal`;
      // No WAL means nothing was written since the last close, whose checkpoint synced.
      if (!fs.existsSync(wal)) return;
      this.walFd = fs.openSync(wal, 'r');
      // SQLite syncs the directory of a new WAL at its own first sync (at NORMAL: the first
      // checkpoint); until then the file's directory entry is ours to make durable, once.
      await this.syncFd(fs.openSync(path.dirname(wal), 'r'), true);
    }
    if (this.walFd !== null) await this.syncFd(this.walFd, false);
  }

  private async syncFd(fd: number, closeAfter: boolean): Promise<void> {
    this.syncsRunning++;
    try {
      await this.fsync(fd);
    } finally {
      this.syncsRunning--;
      if (closeAfter) fs.closeSync(fd);
      if (!this.db.open && this.syncsRunning === 0) this.closeWal();
    }
  }

  private closeWal(): void {
    if (this.walFd !== null) fs.closeSync(this.walFd);
    this.walFd = null;
  }

  private st(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /**
   * Every write runs here, atomically (a savepoint of its own, unless it is a single statement).
   * Writes made in the same turn of the event loop share one transaction, committed by the next
   * setImmediate or by durable()/close(), whichever comes first: the pages a burst of submits and
   * reports touch go to the WAL once instead of once per write. Until that commit a process crash
   * loses the turn's writes, which is no worse than the power loss the class comment walks through;
   * readers on this connection see them at once. A write that does not say it keeps the
   * PendingIndex in step drops it (reloaded at its next use), so no write can leave it stale.
   *
   * A commit that fails (disk full: SQLITE_FULL) rolls the batch back, but its writes are not lost:
   * their callers already acted on them (an attempt's terminal report, above all). They are kept
   * and applied again, in order, at the start of the next batch, which a timer opens every
   * COMMIT_RETRY_MS until one commits. Applying them again is exact: they run against the state
   * they first ran against, since every write since the last commit is among them.
   */
  private write<T>(fn: () => T, mode: WriteMode = {}, inserts: string | null = null): T {
    this.barrier.wrote();
    this.begin();
    let r: T;
    try {
      r = this.apply(fn, mode);
    } catch (err) {
      // SQLite rolled the whole batch back itself (SQLITE_FULL in a statement): keep the others.
      if (this.batchOpen && !this.db.inTransaction) this.keep(err);
      throw err;
    }
    this.batch.push({ apply: () => void this.apply(fn, mode), inserts });
    return r;
  }

  private apply<T>(fn: () => T, mode: WriteMode): T {
    if (!mode.indexed) this.pendingIndex = null;
    if (mode.single) return fn();
    this.st('SAVEPOINT w').run();
    try {
      const r = fn();
      this.st('RELEASE w').run();
      return r;
    } catch (err) {
      // SQLite may have rolled the whole transaction back itself (SQLITE_FULL in a statement).
      if (this.db.inTransaction) {
        this.st('ROLLBACK TO w').run();
        this.st('RELEASE w').run();
      }
      // What the index was told inside fn may have been rolled back with it.
      this.pendingIndex = null;
      throw err;
    }
  }

  private begin(): void {
    if (this.batchOpen) return;
    this.st('BEGIN').run();
    this.batchOpen = true;
    setImmediate(() => this.commitOrKeep());
    const redo = this.redo;
    this.redo = [];
    for (let i = 0; i < redo.length; i++) {
      try {
        redo[i]!.apply();
      } catch (err) {
        this.redo = redo.slice(i);
        this.keep(err);
        throw err;
      }
      this.batch.push(redo[i]!);
    }
  }

  /** The open batch could not be written: roll it back, keep its writes for the retry. */
  private keep(err: unknown): void {
    if (this.db.inTransaction) this.st('ROLLBACK').run();
    this.batchOpen = false;
    this.redo = [...this.batch, ...this.redo];
    this.batch = [];
    this.pendingIndex = null;
    const first = this.failure === null;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      if (!this.db.open || this.failure === null) return;
      try {
        this.begin();
      } catch {
        return; // kept again, with a new timer
      }
      this.commitOrKeep();
    }, COMMIT_RETRY_MS);
    if (first) this.onCommitState?.(this.failure);
  }

  /** Commit the open batch, if any. A failing commit throws, and keeps the batch's writes (see write). */
  private commit(): void {
    if (!this.batchOpen || !this.db.open) return;
    this.batchOpen = false;
    try {
      this.beforeCommit?.();
      this.st('COMMIT').run();
    } catch (err) {
      this.keep(err);
      throw err;
    }
    this.batch = [];
    if (this.failure !== null) {
      this.failure = null;
      this.onCommitState?.(null);
    }
  }

  /** The turn's commit: a failure is not thrown into the event loop, its writes wait for the retry. */
  private commitOrKeep(): void {
    try {
      this.commit();
    } catch {
      /* kept in redo; the runner was told through onCommitState */
    }
  }

  /** Why commits fail at the moment (null: they do not). */
  get commitFailure(): Error | null {
    return this.failure;
  }

  /**
   * Forget the insert of an attempt whose commit failed, and which was refused instead of accepted:
   * it must not appear later, as if accepted. True when it was found among the writes kept for redo.
   */
  discardAttempt(taskId: number, attempt: number): boolean {
    const k = `${taskId}:${attempt}`;
    const before = this.redo.length;
    this.redo = this.redo.filter((e) => e.inserts !== k);
    return this.redo.length !== before;
  }

  private pending(): PendingIndex {
    if (this.pendingIndex === null) {
      const index = new PendingIndex();
      const rows = this.st(HOT_QUERIES.pending).all() as PendingEntry[];
      // In id order: the index keeps each attempt's reports oldest first.
      for (const e of rows.sort((a, b) => a.id - b.id)) index.add(e);
      this.pendingIndex = index;
    }
    return this.pendingIndex;
  }

  getMeta(key: string): string | null {
    const r = this.st('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.write(
      () =>
        this.st(
          'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        ).run(key, value),
      { single: true, indexed: true },
    );
  }

  insertAttempt(s: RunnerSubmit, nowIso: string): void {
    this.write(
      () =>
        this.st(
          `INSERT INTO attempts(task_id, attempt, status, submit, runner_pid, created_at)
           VALUES (?, ?, 'queued', ?, ?, ?)`,
        ).run(s.task_id, s.attempt, JSON.stringify(s), process.pid, nowIso),
      { single: true, indexed: true },
      `${s.task_id}:${s.attempt}`,
    );
  }

  get(taskId: number, attempt: number): AttemptRow | undefined {
    return this.st('SELECT * FROM attempts WHERE task_id = ? AND attempt = ?').get(taskId, attempt) as
      AttemptRow | undefined;
  }

  newest(taskId: number): AttemptRow | undefined {
    return this.st('SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt DESC LIMIT 1').get(taskId) as
      AttemptRow | undefined;
  }

  active(): AttemptRow[] {
    return this.st(
      `SELECT * FROM attempts WHERE status IN ('queued', 'running') ORDER BY created_at`,
    ).all() as AttemptRow[];
  }

  /**
   * What `GET /tasks` answers: every attempt the API may still need to hear about (live, or its
   * outcome not yet acknowledged) — all of them, always: the API's reconciliation takes a live attempt
   * missing from this list for one the runner lost and fails it — plus, up to `recentLimit`, the most
   * recently finished settled ones. (One query with a single LIMIT ordered by task id used to drop the
   * newest tasks, the running ones, once more than that many attempts had finished recently.)
   */
  held(recentSinceIso: string, recentLimit = 1000): AttemptRow[] {
    const open = this.st(`SELECT * FROM attempts WHERE ${OPEN}`).all() as AttemptRow[];
    const recent = this.st(
      `SELECT * FROM attempts WHERE NOT (${OPEN}) AND finished_at >= ? ORDER BY finished_at DESC LIMIT ?`,
    ).all(recentSinceIso, recentLimit) as AttemptRow[];
    return [...open, ...recent].sort((a, b) => a.task_id - b.task_id || a.attempt - b.attempt);
  }

  /** Not yet acknowledged-terminal (dead letters aside): what heartbeats and registration list. */
  unsettled(limit = 10_000): AttemptRow[] {
    return this.st(`SELECT * FROM attempts WHERE ${UNSETTLED} ORDER BY task_id, attempt LIMIT ?`).all(
      limit,
    ) as AttemptRow[];
  }

  /**
   * The agent runs. Its `running` report, if given, is written in the same commit; the runner
   * usually adds it a little later with reportRunning (see attempts.ts RUNNING_REPORT_DELAY_MS).
   */
  markRunning(
    taskId: number,
    attempt: number,
    f: { pid: number | null; proc_start: string | null; started_at: string },
    report: NewReport | null,
    nowMs: number,
  ): void {
    this.write(
      () => {
        this.st(
          `UPDATE attempts SET status = 'running', pid = ?, proc_start = ?, started_at = ?, runner_pid = ?
           WHERE task_id = ? AND attempt = ? AND status = 'queued'`,
        ).run(f.pid, f.proc_start, f.started_at, process.pid, taskId, attempt);
        if (report) this.insertReport(taskId, attempt, report, nowMs);
      },
      { indexed: true, single: report === null },
    );
  }

  /**
   * The agent's session as soon as it is known (claude: before the spawn; codex: its first
   * `thread.started` event), so that a runner killed mid-step still knows which session to report.
   */
  setSession(taskId: number, attempt: number, session: object): void {
    this.write(
      () => {
        this.st('UPDATE attempts SET agent_session = ? WHERE task_id = ? AND attempt = ?').run(
          JSON.stringify(session),
          taskId,
          attempt,
        );
      },
      { single: true, indexed: true },
    );
  }

  /** The `running` report of an attempt that still runs (false, and nothing written, once it ended). */
  reportRunning(taskId: number, attempt: number, report: NewReport, nowMs: number): boolean {
    return this.write(() => {
      const row = this.st('SELECT status FROM attempts WHERE task_id = ? AND attempt = ?').get(
        taskId,
        attempt,
      ) as { status: AttemptStatus } | undefined;
      if (row?.status !== 'running') return false;
      this.insertReport(taskId, attempt, report, nowMs);
      return true;
    }, INDEXED);
  }

  /**
   * Terminal state and its report in one commit. The terminal report supersedes a `running` report
   * still pending (never delivered, whatever its tries): that one is dropped, and the terminal body
   * carries `started_at`, so the API goes straight from queued to the outcome. Except the report with
   * id `inFlightId`, on the wire right now: it must not be overtaken, so it stays, and is dropped
   * later only if it has to be retried (see retryLater).
   */
  finish(
    taskId: number,
    attempt: number,
    f: TerminalFields,
    report: NewReport,
    nowMs: number,
    inFlightId: number | null = null,
  ): boolean {
    return this.write(() => {
      const r = this.st(
        `UPDATE attempts SET status = ?, exit_code = ?, finished_at = ?, message = ?, failure_step = ?,
             report_state = 'pending'
           WHERE task_id = ? AND attempt = ? AND status IN ('queued', 'running')`,
      ).run(f.status, f.exit_code, f.finished_at, f.message, f.failure_step, taskId, attempt);
      if (r.changes === 0) return false;
      const index = this.pending();
      // Usually there is none to drop (see attempts.ts RUNNING_REPORT_DELAY_MS): no statement then.
      if (index.of(taskId, attempt).some((e) => e.kind === 'running' && e.id !== inFlightId)) {
        const dropped = this.st(
          `UPDATE outbox SET state = 'dropped', done_at = ?
             WHERE task_id = ? AND attempt = ? AND kind = 'running' AND state = 'pending' AND id IS NOT ?
             RETURNING id`,
        ).all(new Date(nowMs).toISOString(), taskId, attempt, inFlightId) as Array<{ id: number }>;
        for (const d of dropped) index.remove(d.id);
      }
      this.insertReport(taskId, attempt, report, nowMs);
      return true;
    }, INDEXED);
  }

  /** Insert a pending report, and tell the index (call inside an INDEXED write). */
  private insertReport(taskId: number, attempt: number, report: NewReport, nowMs: number): void {
    const body = JSON.stringify(report.body);
    const r = this.st(
      `INSERT INTO outbox(task_id, attempt, kind, url, token, body, next_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(taskId, attempt, report.kind, report.url, report.token, body, nowMs, new Date(nowMs).toISOString());
    const id = Number(r.lastInsertRowid);
    const row: OutboxRow = {
      id,
      task_id: taskId,
      attempt,
      kind: report.kind,
      url: report.url,
      token: report.token,
      body,
      state: 'pending',
      tries: 0,
      next_at: nowMs,
      last_status: null,
      last_error: null,
    };
    this.pending().add({ id, task_id: taskId, attempt, kind: report.kind, next_at: nowMs, row });
  }

  /**
   * Reports to send now, oldest first: the oldest pending report of each attempt (an attempt's reports
   * are delivered in order), if it is due, except attempts in `skip` (keyed `task:attempt`). At most
   * `limit`.
   */
  dueHeads(
    nowMs: number,
    limit: number,
    skip?: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  ): OutboxRow[] {
    const byId = this.st('SELECT * FROM outbox WHERE id = ?');
    return this.pending()
      .dueHeads(nowMs, limit, skip)
      .map((h) => h.row ?? (byId.get(h.id) as OutboxRow));
  }

  /** When the next report waiting for its retry time becomes due, if any. */
  nextDueAfter(nowMs: number): number | null {
    return this.pending().nextDueAfter(nowMs);
  }

  outbox(state?: OutboxState): OutboxRow[] {
    return (
      state
        ? this.st('SELECT * FROM outbox WHERE state = ? ORDER BY id').all(state)
        : this.st('SELECT * FROM outbox ORDER BY id').all()
    ) as OutboxRow[];
  }

  pendingCount(): number {
    return this.pending().size;
  }

  /**
   * A report to send again later. A `running` report that a terminal report of the same attempt is
   * waiting behind (it was in flight when the attempt finished) is dropped instead: the terminal one
   * says everything it would have.
   */
  retryLater(id: number, nextAt: number, status: number | null, error: string, nowIso: string): void {
    this.write(() => {
      const r = this.st(
        `UPDATE outbox SET tries = tries + 1, next_at = ?, last_status = ?, last_error = ?
         WHERE id = ? AND state = 'pending'`,
      ).run(nextAt, status, error, id);
      if (r.changes === 0) return;
      const dropped = this.st(
        `UPDATE outbox SET state = 'dropped', done_at = ?
         WHERE id = ? AND kind = 'running' AND state = 'pending' AND EXISTS (
           SELECT 1 FROM outbox t WHERE t.task_id = outbox.task_id AND t.attempt = outbox.attempt
             AND t.kind = 'terminal' AND t.state = 'pending')
         RETURNING id`,
      ).get(nowIso, id);
      if (dropped) this.pending().remove(id);
      else this.pending().reschedule(id, nextAt);
    }, INDEXED);
  }

  /** Settle a report; settling a terminal one settles the attempt's report state too. */
  settle(
    id: number,
    state: 'acked' | 'answered' | 'dead',
    status: number | null,
    note: string | null,
    nowIso: string,
  ): void {
    this.write(() => {
      // The index knows which report this is (it holds every pending one): no RETURNING to read.
      const row = this.pending().get(id);
      if (!row) return;
      this.st(
        `UPDATE outbox SET state = ?, tries = tries + 1, last_status = ?, last_error = ?, done_at = ?
           WHERE id = ? AND state = 'pending'`,
      ).run(state, status, note, nowIso, id);
      this.pending().remove(id);
      if (row.kind === 'terminal') {
        this.st('UPDATE attempts SET report_state = ? WHERE task_id = ? AND attempt = ?').run(
          state,
          row.task_id,
          row.attempt,
        );
      }
    }, INDEXED);
  }

  /** Forget settled history older than the cutoff (the journal must not grow for days on end). */
  prune(beforeIso: string): void {
    this.write(() => {
      this.st(`DELETE FROM outbox WHERE state IN ('acked', 'answered', 'dropped') AND done_at < ?`).run(
        beforeIso,
      );
      this.st(
        `DELETE FROM attempts WHERE report_state IN ('acked', 'answered') AND finished_at < ?
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.task_id = attempts.task_id
               AND o.attempt = attempts.attempt AND o.state = 'pending')`,
      ).run(beforeIso);
    }, INDEXED);
  }

  /**
   * Outbox: the API at `origin` answers again, so every report to it that waits for its retry time only
   * because the last try found no API at all (network error: no status) becomes due now. Reports the API
   * itself asked to slow down (5xx, 429: a status is recorded) keep their backoff. Returns how many.
   */
  retryNetworkFailedNow(origin: string, nowMs: number): number {
    const prefix = `${origin}/`;
    return this.write(
      () =>
        this.st(
          `UPDATE outbox SET next_at = ? WHERE state = 'pending' AND next_at > ? AND tries > 0
             AND last_status IS NULL AND substr(url, 1, length(?)) = ?`,
        ).run(nowMs, nowMs, prefix, prefix).changes,
    );
  }
}
