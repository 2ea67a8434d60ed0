import type { Sql } from '../sql.js';
import { parseJson } from '../sql.js';

/** The stored result of an isolated-worktree task (`tasks.worktree`, JSON), from its terminal report. */
export interface TaskWorktree {
  attempt: number;
  path: string | null;
  branch: string | null;
  base_sha: string | null;
  start_sha: string | null;
  /** The step's result: its commit, or start_sha when it changed nothing. */
  head_sha: string | null;
  committed: boolean;
  pinned_ref: string | null;
  stats: { files_changed: number; insertions: number; deletions: number; files: string[] };
  conflicts: string[] | null;
  conflict_commits: string[] | null;
  merged: { target_branch: string; old_sha: string; new_sha: string; strategy: string } | null;
  cleanup: { attempted: boolean; removed: boolean; message: string } | null;
}

export function taskWorktreeOf(text: string | null): TaskWorktree | null {
  return parseJson<TaskWorktree | null>(text, null);
}

export interface UpstreamResult {
  id: number;
  step_id: string | null;
  status: string;
  kind: string;
  worktree: TaskWorktree | null;
}

/** The given tasks with their status and stored worktree result, in the order of `ids`. */
export async function worktreeResults(sql: Sql, ids: readonly number[]): Promise<UpstreamResult[]> {
  if (ids.length === 0) return [];
  const rows = await sql.all<{
    id: number;
    step_id: string | null;
    status: string;
    kind: string;
    worktree: string | null;
  }>(`SELECT id, step_id, status, kind, worktree FROM tasks WHERE id IN (${ids.map(() => '?').join(',')})`, [
    ...ids,
  ]);
  const byId = new Map(rows.map((r) => [r.id, { ...r, worktree: taskWorktreeOf(r.worktree) }]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [r] : [];
  });
}

/** The first line of each given task's latest handoff summary (for the merge commit's message). */
export async function summaryFirstLines(sql: Sql, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.all<{ task_id: number; summary: string }>(
    `SELECT h.task_id, h.summary FROM handoffs h
      WHERE h.task_id IN (${ids.map(() => '?').join(',')})
        AND h.id = (SELECT MAX(id) FROM handoffs h2 WHERE h2.task_id = h.task_id)`,
    [...ids],
  );
  return new Map(rows.map((r) => [r.task_id, (r.summary.split('\n')[0] ?? '').trim()]));
}

export async function setRunMergedSha(sql: Sql, runId: number, sha: string, nowIso: string): Promise<void> {
  await sql.run('UPDATE workflow_runs SET merged_sha = ?, updated_at = ? WHERE id = ?', [sha, nowIso, runId]);
}
