import type { RunStatus } from '@multyagents/contracts';
import type { Param, Sql } from '../sql.js';
import { whereAll } from './keyset.js';

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

/** Newest first, optionally of one status (the bench's plan check reads this one). */
export function listRunRows(sql: Sql, f: { status?: string; limit?: number }): Promise<RunRow[]> {
  return listRunPage(sql, { status: f.status }, undefined, f.limit ?? 200);
}

/** `GET /workflow-runs` filters (exact values); `before_id` is the keyset cursor, not a filter. */
export interface RunFilter {
  status?: string;
  workflow_template_id?: number;
  initiated_by?: string;
}

function runWhere(f: RunFilter, beforeId?: number, fromId?: number) {
  return whereAll([
    ['status = ?', f.status],
    ['workflow_template_id = ?', f.workflow_template_id],
    ['initiated_by = ?', f.initiated_by],
    ['id < ?', beforeId],
    ['id >= ?', fromId],
  ]);
}

/**
 * One newest-first page. Each filter has an index ending in `id` (workflow_runs_status, migration 012
 * for template and initiator), so the page is an index range walked backwards from `before_id`.
 */
export function listRunPage(
  sql: Sql,
  f: RunFilter,
  beforeId: number | undefined,
  limit: number,
): Promise<RunRow[]> {
  const w = runWhere(f, beforeId);
  return sql.all<RunRow>(`SELECT * FROM workflow_runs ${w.where} ORDER BY id DESC LIMIT +?`, [
    ...w.params,
    limit,
  ]);
}

/** How many runs match the filters (`x-total-count`): a COUNT over the same index. */
export async function countRuns(sql: Sql, f: RunFilter): Promise<number> {
  const w = runWhere(f);
  return (
    (await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM workflow_runs ${w.where}`, w.params))?.n ?? 0
  );
}

/**
 * Where the page before `beforeId` stands (`x-page-offset`, `x-prev-before-id`): how many matching runs
 * are newer (`id >= beforeId`), and the newer page's cursor. That page holds the `limit` smallest
 * matching ids from `beforeId` up, so its cursor is the next one up (ascending, OFFSET `limit`): none
 * when fewer exist, and then the newer page is the newest. Both walk the filter's index forwards.
 */
export async function runsNewerThanPage(
  sql: Sql,
  f: RunFilter,
  beforeId: number,
  limit: number,
): Promise<{ offset: number; prevBeforeId: number | null }> {
  const w = runWhere(f, undefined, beforeId);
  const n = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM workflow_runs ${w.where}`, w.params);
  const prev = await sql.get<{ id: number }>(
    `SELECT id FROM workflow_runs ${w.where} ORDER BY id LIMIT 1 OFFSET +?`,
    [...w.params, limit],
  );
  return { offset: n?.n ?? 0, prevBeforeId: prev?.id ?? null };
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
