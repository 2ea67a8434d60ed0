import { etagOf, ifMatchHolds, type IfMatch } from '../domain/etag.js';
import { AppError } from '../lib/errors.js';
import { getRevision, type VersionedTable } from '../store/ops/revisions.js';
import type { Sql, Store } from '../store/sql.js';

/** A catalogue item with its version (the `ETag` its GET and PUT answer carry). */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/**
 * The row's revision after checking `If-Match` against it. Called inside the write transaction that
 * then writes the row: SQLite runs one write transaction at a time, so no other edit can land between
 * this check and the write (no check-then-write race). Undefined: no such row (the caller's 404).
 */
export async function checkIfMatch(
  sql: Sql,
  table: VersionedTable,
  id: number,
  cond: IfMatch | null,
  what: string,
): Promise<number | undefined> {
  const revision = await getRevision(sql, table, id);
  if (revision === undefined || cond === null) return revision;
  const current = etagOf(revision);
  if (!ifMatchHolds(cond, current))
    throw new AppError(
      'EDIT_CONFLICT',
      `${what} changed since you read it (If-Match ${cond.any ? '*' : cond.tags.join(', ') || '(weak tags only)'}); its current ETag is ${current}; nothing was written`,
      { current_etag: current },
    );
  return revision;
}

/** The item read with its version, in one consistent read. */
export async function withRevision<T>(
  sql: Sql,
  table: VersionedTable,
  id: number,
  read: () => Promise<T | undefined>,
): Promise<Versioned<T> | undefined> {
  const value = await read();
  const revision = await getRevision(sql, table, id);
  return value === undefined || revision === undefined ? undefined : { value, etag: etagOf(revision) };
}

/**
 * A create's write transaction with the new row's version read inside it (the create's `ETag`). The
 * transaction still returns the bare item: an `Idempotency-Key` row records that result as the answer.
 */
export async function createVersioned<T extends { id: number }>(
  store: Store,
  table: VersionedTable,
  write: (sql: Sql) => Promise<T>,
): Promise<Versioned<T>> {
  let revision: number | undefined;
  const value = await store.tx(async (sql) => {
    const created = await write(sql);
    revision = await getRevision(sql, table, created.id);
    return created;
  });
  if (revision === undefined) throw new Error(`${table} ${value.id}: created row has no revision`);
  return { value, etag: etagOf(revision) };
}
