/**
 * The store's async interface. SQL operation modules (one per operation, in `ops/`) are written
 * against `Sql`, so the SQLite store and a future PostgreSQL store run the same operations; the domain
 * code never sees a driver.
 */
export type Param = string | number | bigint | null | Buffer;

export interface RunResult {
  changes: number;
  lastId: number;
}

/**
 * Write `LIMIT +?`, never `LIMIT ?`: SQLite (built with STAT4, as better-sqlite3 is) re-prepares a
 * statement at every execution when a bare parameter feeds LIMIT; the unary plus keeps the prepared
 * plan (measured: 0.5 ms → 0.05 ms for the scheduler's ready-task query on the wide `tasks` table).
 */
export interface Sql {
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  run(sql: string, params?: readonly Param[]): Promise<RunResult>;
}

/**
 * Work that belongs at the end of a group of write transactions, inside it (SQLite: before the shared
 * COMMIT, in its own savepoint). Its one user is the scheduler's end-of-group claim, explained in
 * scheduler/endOfGroupClaim.ts.
 */
export interface BatchHook<T = unknown> {
  /** Asked after the group's transactions ran; false skips the hook (cheap, called per group). */
  wanted(): boolean;
  run(sql: Sql): Promise<T>;
  /** Called once the group is durable, before its callers are answered. Must not throw. */
  committed(value: T): void;
  /** The hook's savepoint was rolled back (the group's own transactions still commit). */
  failed(err: unknown): void;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly durability: 'full' | 'relaxed';
  /** One write transaction (SQLite: BEGIN IMMEDIATE). Commits before the promise resolves. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * A write transaction that nobody waits on to be answered (e.g. recording a runner's answer to a
   * submit): it joins the next group of transactions that forms, in its place in arrival order, or
   * forms its own after `withinMs`. It commits as durably as `tx`; it only saves a group of its own.
   */
  txSoon<T>(fn: (sql: Sql) => Promise<T>, withinMs: number): Promise<T>;
  /**
   * Throws STORE_UNAVAILABLE if the store can no longer serve (closed, or stopped after a failed WAL
   * fsync); cheap and synchronous, queued behind nothing (for liveness probes).
   */
  assertUsable(): void;
  /**
   * What `/health` reports of the store: `write_failing` is set while the last attempt to commit
   * failed for want of space or an I/O error (cleared by the next commit that succeeds);
   * `integrity` is the result of the check run after start (`pending` until it ends).
   */
  health(): StoreHealth;
  /**
   * Call `listener` after every durable commit that wrote something (synchronously, before the
   * callers hear back: it must only schedule work). Returns the unsubscribe function.
   */
  onCommit(listener: () => void): () => void;
  /** A consistent read. */
  read<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Install (or remove, with null) the end-of-group hook; at most one. */
  setBatchHook(hook: BatchHook | null): void;
  close(): Promise<void>;
}

/** The same store with its write transactions wrapped by `tx` (everything else passes through). */
export function withTx(store: Store, tx: Store['tx']): Store {
  return {
    kind: store.kind,
    durability: store.durability,
    tx,
    txSoon: (fn, withinMs) => store.txSoon(fn, withinMs),
    assertUsable: () => store.assertUsable(),
    health: () => store.health(),
    onCommit: (l) => store.onCommit(l),
    read: (fn) => store.read(fn),
    setBatchHook: (hook) => store.setBatchHook(hook),
    close: () => store.close(),
  };
}

export interface StoreHealth {
  write_failing: { code: string; since: number; detail: string } | null;
  integrity: 'pending' | 'ok' | 'corrupt' | 'skipped';
  integrity_detail?: string;
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text == null || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * A status list of our own constants as SQL text: `('a','b')`. Only for constant vocabularies, never
 * for input. The lists keep the order of their constants, so a query's `IN` list reads exactly like
 * the partial index it must use (migrations 001/003; test/unit/store-status-lists.test.ts checks).
 */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')})`;
}
