import type { Sql } from '../sql.js';

export interface RunnerRow {
  id: number;
  name: string;
  url: string;
  capacity: number;
  labels: string;
  executor: string;
  version: string | null;
  liveness: 'online' | 'unreachable' | 'offline';
  last_seen_at: number;
  unreachable_since: number | null;
  registered_at: string;
  boot_count: number;
  /** 1 while the runner is shutting down (it takes no new work); cleared when it registers again. */
  draining: number;
  /** JSON array of RunnerCapability (migration 008); '[]' for a runner that registered without. */
  capabilities: string;
  /** sha256 (hex) of the runner's own credential (migration 010); null: none yet, or reset. */
  credential_hash: string | null;
  credential_issued_at: string | null;
}

export function getRunner(sql: Sql, id: number): Promise<RunnerRow | undefined> {
  return sql.get<RunnerRow>('SELECT * FROM runners WHERE id = ?', [id]);
}

export function getRunnerByName(sql: Sql, name: string): Promise<RunnerRow | undefined> {
  return sql.get<RunnerRow>('SELECT * FROM runners WHERE name = ?', [name]);
}

export function listRunners(sql: Sql): Promise<RunnerRow[]> {
  return sql.all<RunnerRow>('SELECT * FROM runners ORDER BY id');
}

export interface RunnerFields {
  name: string;
  url: string;
  capacity: number;
  labels: string;
  executor: string;
  version: string | null;
  capabilities: string;
}

/**
 * A registration: a new row, or the named one brought online again. `credentialHash` (with the
 * time it was issued) replaces the stored hash; undefined keeps it (the runner presented it).
 */
export async function upsertRunner(
  sql: Sql,
  existing: RunnerRow | undefined,
  r: RunnerFields,
  credential: { hash: string; issuedAt: string } | undefined,
  nowMs: number,
  nowIso: string,
): Promise<{ id: number; isNew: boolean }> {
  if (existing) {
    await sql.run(
      `UPDATE runners SET url = ?, capacity = ?, labels = ?, executor = ?, version = ?, capabilities = ?,
         liveness = 'online', last_seen_at = ?, unreachable_since = NULL, boot_count = boot_count + 1,
         draining = 0, credential_hash = COALESCE(?, credential_hash),
         credential_issued_at = COALESCE(?, credential_issued_at) WHERE id = ?`,
      [
        r.url,
        r.capacity,
        r.labels,
        r.executor,
        r.version,
        r.capabilities,
        nowMs,
        credential?.hash ?? null,
        credential?.issuedAt ?? null,
        existing.id,
      ],
    );
    return { id: existing.id, isNew: false };
  }
  const res = await sql.run(
    `INSERT INTO runners (name, url, capacity, labels, executor, version, capabilities, liveness, last_seen_at,
       registered_at, credential_hash, credential_issued_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'online', ?, ?, ?, ?)`,
    [
      r.name,
      r.url,
      r.capacity,
      r.labels,
      r.executor,
      r.version,
      r.capabilities,
      nowMs,
      nowIso,
      credential?.hash ?? null,
      credential?.issuedAt ?? null,
    ],
  );
  return { id: res.lastId, isNew: true };
}

/** An operator's reset: the runner's credential stops working; the next registration claims the name. */
export async function clearRunnerCredential(sql: Sql, id: number): Promise<boolean> {
  const r = await sql.run(
    'UPDATE runners SET credential_hash = NULL, credential_issued_at = NULL WHERE id = ?',
    [id],
  );
  return r.changes > 0;
}

export async function touchRunner(sql: Sql, id: number, nowMs: number): Promise<void> {
  await sql.run(
    `UPDATE runners SET last_seen_at = ?, liveness = 'online', unreachable_since = NULL WHERE id = ?`,
    [nowMs, id],
  );
}

export async function setRunnerLiveness(
  sql: Sql,
  id: number,
  liveness: RunnerRow['liveness'],
  since: number | null,
): Promise<void> {
  await sql.run('UPDATE runners SET liveness = ?, unreachable_since = ? WHERE id = ?', [liveness, since, id]);
}

/** After an API restart every runner gets one heartbeat timeout to check in again. */
export async function refreshAllLastSeen(sql: Sql, nowMs: number): Promise<void> {
  await sql.run(`UPDATE runners SET last_seen_at = ? WHERE liveness = 'online'`, [nowMs]);
}

/** Returns whether the flag changed. */
export async function setRunnerDraining(sql: Sql, id: number, draining: boolean): Promise<boolean> {
  const r = await sql.run('UPDATE runners SET draining = ? WHERE id = ? AND draining != ?', [
    draining ? 1 : 0,
    id,
    draining ? 1 : 0,
  ]);
  return r.changes > 0;
}
