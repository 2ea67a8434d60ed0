import type { AgentSummary, AttemptView, TaskDetailView, TaskWorktreeView } from '../../lib/types';

/**
 * The worktree result of attempt `n` of a task: the task's own `worktree` when it is that attempt's
 * (it is the normalised copy), else the attempt's report from the audit, in the same shape. Null when
 * the attempt reported none (not an isolated-worktree task, not finished, or the audit not loaded yet).
 */
export function worktreeOfAttempt(
  task: TaskDetailView,
  attempts: AttemptView[] | null,
  n: number,
): TaskWorktreeView | null {
  if (task.worktree && task.worktree.attempt === n) return task.worktree;
  const w = attempts?.find((a) => a.attempt === n)?.worktree;
  if (!w) return null;
  return {
    attempt: n,
    path: w.path ?? null,
    branch: w.branch ?? null,
    base_sha: w.base_sha ?? null,
    start_sha: w.start_sha ?? null,
    head_sha: w.head_sha ?? null,
    committed: w.committed ?? false,
    pinned_ref: w.pinned_ref ?? null,
    stats: {
      files_changed: w.files_changed ?? 0,
      insertions: w.insertions ?? 0,
      deletions: w.deletions ?? 0,
      files: w.files ?? [],
    },
    conflicts: w.conflicts ?? null,
    conflict_commits: w.conflict_commits ?? null,
    merged: w.merged ?? null,
  };
}

/** Whether the task works in an isolated worktree, so that picking an attempt's files makes sense. */
export function hasWorktrees(task: TaskDetailView, attempts: AttemptView[] | null): boolean {
  return Boolean(task.worktree) || (attempts ?? []).some((a) => a.worktree);
}

/**
 * What the coding agent reported for attempt `n`: the task's own `agent` when `n` is its current attempt
 * (the audit may not be loaded yet), else the attempt row's. Null for a non-agent step or an attempt
 * that reported no session.
 */
export function agentOfAttempt(
  task: TaskDetailView,
  attempts: AttemptView[] | null,
  n: number,
): AgentSummary | null {
  const row = attempts?.find((a) => a.attempt === n);
  if (n === task.attempt) return task.agent ?? row?.agent ?? null;
  return row?.agent ?? null;
}
