import type { Sql } from '../sql.js';

export interface ApprovalRow {
  id: number;
  task_id: number;
  status: 'pending' | 'approved' | 'rejected';
  actor: string | null;
  comment: string | null;
  decided_at: string | null;
  created_at: string;
  updated_at: string;
}

export async function insertApproval(sql: Sql, taskId: number, nowIso: string): Promise<number> {
  const r = await sql.run(
    `INSERT INTO approvals (task_id, status, created_at, updated_at) VALUES (?, 'pending', ?, ?)`,
    [taskId, nowIso, nowIso],
  );
  return r.lastId;
}

export function getApproval(sql: Sql, id: number): Promise<ApprovalRow | undefined> {
  return sql.get<ApprovalRow>('SELECT * FROM approvals WHERE id = ?', [id]);
}

export function getApprovalByTask(sql: Sql, taskId: number): Promise<ApprovalRow | undefined> {
  return sql.get<ApprovalRow>('SELECT * FROM approvals WHERE task_id = ?', [taskId]);
}

export async function decideApproval(
  sql: Sql,
  id: number,
  d: { status: 'approved' | 'rejected'; actor: string | null; comment: string | null },
  nowIso: string,
): Promise<void> {
  await sql.run(
    'UPDATE approvals SET status = ?, actor = ?, comment = ?, decided_at = ?, updated_at = ? WHERE id = ?',
    [d.status, d.actor, d.comment, nowIso, nowIso, id],
  );
}
