import { etagOf, ifMatchHolds, type IfMatch } from '../domain/etag.js';
import { AppError } from '../lib/errors.js';
import { getRevision, type VersionedTable } from '../store/ops/revisions.js';
import type { Sql } from '../store/sql.js';

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
