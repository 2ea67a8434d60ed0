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

export interface Sql {
  all<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  run(sql: string, params?: readonly Param[]): Promise<RunResult>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly durability: 'full' | 'relaxed';
  /** One write transaction (SQLite: BEGIN IMMEDIATE). Commits before the promise resolves. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** A consistent read. */
  read<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
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
