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

export async function upsertRunner(
  sql: Sql,
  r: {
    name: string;
    url: string;
    capacity: number;
    labels: string;
    executor: string;
    version: string | null;
    capabilities: string;
  },
  nowMs: number,
  nowIso: string,
): Promise<{ id: number; isNew: boolean }> {
  const existing = await getRunnerByName(sql, r.name);
  if (existing) {
    await sql.run(
      `UPDATE runners SET url = ?, capacity = ?, labels = ?, executor = ?, version = ?, capabilities = ?,
         liveness = 'online', last_seen_at = ?, unreachable_since = NULL, boot_count = boot_count + 1,
         draining = 0 WHERE id = ?`,
      [r.url, r.capacity, r.labels, r.executor, r.version, r.capabilities, nowMs, existing.id],
    );
    return { id: existing.id, isNew: false };
  }
  const res = await sql.run(
    `INSERT INTO runners (name, url, capacity, labels, executor, version, capabilities, liveness, last_seen_at,
       registered_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'online', ?, ?)`,
    [r.name, r.url, r.capacity, r.labels, r.executor, r.version, r.capabilities, nowMs, nowIso],
  );
  return { id: res.lastId, isNew: true };
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
