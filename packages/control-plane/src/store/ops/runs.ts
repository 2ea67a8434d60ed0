import type { RunStatus } from '@multyagents/contracts';
import type { Param, Sql } from '../sql.js';

export interface RunRow {
  id: number;
  workflow_template_id: number | null;
  project_id: number | null;
  status: RunStatus;
  initiated_by: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Isolated-worktree runs (migration 008): the base and the merge target, fixed at creation. */
  base_branch: string | null;
  base_sha: string | null;
  target_branch: string | null;
  target_sha: string | null;
  merge_strategy: string | null;
  /** The commit the merge task landed on the target branch. */
  merged_sha: string | null;
}

export type RunWorktreeFields = Pick<
  RunRow,
  'base_branch' | 'base_sha' | 'target_branch' | 'target_sha' | 'merge_strategy'
>;

export async function insertRun(
  sql: Sql,
  r: {
    workflow_template_id: number | null;
    project_id: number | null;
    initiated_by: string | null;
    worktree?: RunWorktreeFields | null;
  },
  nowIso: string,
): Promise<number> {
  const w = r.worktree;
  const res = await sql.run(
    `INSERT INTO workflow_runs (workflow_template_id, project_id, status, initiated_by, base_branch, base_sha,
       target_branch, target_sha, merge_strategy, created_at, updated_at)
     VALUES (?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.workflow_template_id,
      r.project_id,
      r.initiated_by,
      w?.base_branch ?? null,
      w?.base_sha ?? null,
      w?.target_branch ?? null,
      w?.target_sha ?? null,
      w?.merge_strategy ?? null,
      nowIso,
      nowIso,
    ],
  );
  return res.lastId;
}

export function getRunRow(sql: Sql, id: number): Promise<RunRow | undefined> {
  return sql.get<RunRow>('SELECT * FROM workflow_runs WHERE id = ?', [id]);
}

export function listRunRows(sql: Sql, f: { status?: string; limit?: number }): Promise<RunRow[]> {
  if (f.status) {
    return sql.all<RunRow>('SELECT * FROM workflow_runs WHERE status = ? ORDER BY id DESC LIMIT +?', [
      f.status,
      f.limit ?? 200,
    ]);
  }
  return sql.all<RunRow>('SELECT * FROM workflow_runs ORDER BY id DESC LIMIT +?', [f.limit ?? 200]);
}

export async function updateRun(
  sql: Sql,
  id: number,
  patch: Partial<Omit<RunRow, 'id' | 'created_at'>>,
  nowIso: string,
): Promise<void> {
  const keys = Object.keys(patch) as (keyof typeof patch)[];
  await sql.run(
    `UPDATE workflow_runs SET ${keys.map((k) => `${k} = ?`).join(', ')}${keys.length ? ', ' : ''}updated_at = ? WHERE id = ?`,
    [...keys.map((k) => (patch[k] ?? null) as Param), nowIso, id],
  );
}

export function countRunsByStatus(sql: Sql): Promise<{ status: string; n: number }[]> {
  return sql.all('SELECT status, COUNT(*) AS n FROM workflow_runs GROUP BY status');
}

export async function runStarted(sql: Sql, runId: number): Promise<boolean> {
  const r = await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM tasks WHERE run_id = ? AND attempt > 0', [
    runId,
  ]);
  return (r?.n ?? 0) > 0;
}
