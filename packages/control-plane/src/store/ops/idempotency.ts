import type { Sql } from '../sql.js';

export interface IdempotencyRow {
  key: string;
  route: string;
  body_hash: string;
  status: number;
  response: string;
  created_at_ms: number;
}

export function getIdempotencyKey(sql: Sql, key: string): Promise<IdempotencyRow | undefined> {
  return sql.get<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE key = ?', [key]);
}

/**
 * Record a key (or take over one that expired before `expiredBefore`). False: a live row holds it —
 * another request with the same key committed first.
 */
export async function claimIdempotencyKey(
  sql: Sql,
  row: IdempotencyRow,
  expiredBefore: number,
): Promise<boolean> {
  const r = await sql.run(
    `INSERT INTO idempotency_keys (key, route, body_hash, status, response, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET route = excluded.route, body_hash = excluded.body_hash,
       status = excluded.status, response = excluded.response, created_at_ms = excluded.created_at_ms
     WHERE idempotency_keys.created_at_ms < ?`,
    [row.key, row.route, row.body_hash, row.status, row.response, row.created_at_ms, expiredBefore],
  );
  return r.changes > 0;
}

export async function setIdempotencyResponse(
  sql: Sql,
  key: string,
  status: number,
  response: string,
): Promise<void> {
  await sql.run('UPDATE idempotency_keys SET status = ?, response = ? WHERE key = ?', [
    status,
    response,
    key,
  ]);
}

/** Drop keys recorded before `before` (ms); returns how many. */
export async function pruneIdempotencyKeys(sql: Sql, before: number): Promise<number> {
  return (await sql.run('DELETE FROM idempotency_keys WHERE created_at_ms < ?', [before])).changes;
}
