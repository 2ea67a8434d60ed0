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

/** An approval with the task it gates (the fields a list of pending decisions shows). */
export interface ApprovalListRow extends ApprovalRow {
  run_id: number | null;
  step_id: string | null;
  task_title: string;
  task_status: string;
}

/** Newest first; optionally one status and/or one run. */
export function listApprovals(
  sql: Sql,
  f: { status?: string; runId?: number; limit?: number },
): Promise<ApprovalListRow[]> {
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (f.status) {
    where.push('a.status = ?');
    params.push(f.status);
  }
  if (f.runId !== undefined) {
    where.push('t.run_id = ?');
    params.push(f.runId);
  }
  return sql.all<ApprovalListRow>(
    `SELECT a.*, t.run_id AS run_id, t.step_id AS step_id, t.title AS task_title, t.status AS task_status
       FROM approvals a JOIN tasks t ON t.id = a.task_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.id DESC LIMIT +?`,
    [...params, f.limit ?? 1000],
  );
}
