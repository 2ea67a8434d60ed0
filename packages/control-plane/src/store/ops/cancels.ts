import type { Sql } from '../sql.js';

export async function addPendingCancel(
  sql: Sql,
  taskId: number,
  attempt: number,
  runnerId: number,
  nowIso: string,
): Promise<void> {
  await sql.run(
    'INSERT OR IGNORE INTO pending_cancels (task_id, attempt, runner_id, created_at) VALUES (?, ?, ?, ?)',
    [taskId, attempt, runnerId, nowIso],
  );
}

export function pendingCancelsFor(
  sql: Sql,
  runnerId: number,
): Promise<{ task_id: number; attempt: number }[]> {
  return sql.all('SELECT task_id, attempt FROM pending_cancels WHERE runner_id = ? ORDER BY task_id', [
    runnerId,
  ]);
}

export function allPendingCancels(
  sql: Sql,
): Promise<{ task_id: number; attempt: number; runner_id: number }[]> {
  return sql.all('SELECT task_id, attempt, runner_id FROM pending_cancels ORDER BY task_id');
}

export async function removePendingCancel(sql: Sql, taskId: number, attempt: number): Promise<void> {
  await sql.run('DELETE FROM pending_cancels WHERE task_id = ? AND attempt = ?', [taskId, attempt]);
}
