/**
 * The `worktree` of a runner report (contracts ReportedWorktree), applied in the report's
 * transaction once the report itself was applied (a fenced or duplicate report stores nothing): on
 * the attempt and as the task's current worktree (a `running` report: where the attempt works and
 * from which commit; a terminal one: its result), as a `commit` artifact for a step that committed, and
 * for the merge task's success as the run's merged_sha with `workflow_run.merged`.
 */
import type { ReportedWorktree, RunnerStatusReport } from '@multyagents/contracts';
import { insertArtifact } from '../store/ops/artifacts.js';
import { updateAttempt } from '../store/ops/attempts.js';
import { insertEvent } from '../store/ops/events.js';
import { updateTask, type TaskRow } from '../store/ops/tasks.js';
import { setRunMergedSha, type TaskWorktree } from '../store/ops/worktrees.js';
import type { Sql } from '../store/sql.js';
import { json } from '../store/sql.js';

export function toTaskWorktree(w: ReportedWorktree, attempt: number): TaskWorktree {
  return {
    attempt,
    path: w.path,
    branch: w.branch,
    base_sha: w.base_sha,
    start_sha: w.start_sha,
    head_sha: w.head_sha,
    committed: w.committed,
    pinned_ref: w.pinned_ref,
    stats: {
      files_changed: w.files_changed,
      insertions: w.insertions,
      deletions: w.deletions,
      files: w.files,
    },
    conflicts: w.conflicts ?? null,
    conflict_commits: w.conflict_commits ?? null,
    merged: w.merged ?? null,
    cleanup: w.cleanup ?? null,
  };
}

/** The first version's cleanup fields, from `worktree.cleanup` when the runner sent only that. */
export function cleanupPatch(r: RunnerStatusReport): { worktree_cleanup?: string } {
  const c = r.worktree?.cleanup;
  if (!c || r.worktree_cleanup_attempted != null) return {};
  return { worktree_cleanup: json({ attempted: c.attempted, succeeded: c.removed, message: c.message }) };
}

export async function storeWorktreeReport(
  sql: Sql,
  t: TaskRow,
  attempt: number,
  report: RunnerStatusReport,
  nowIso: string,
): Promise<void> {
  const w = report.worktree;
  if (!w) return;
  const result = toTaskWorktree(w, attempt);
  await updateAttempt(sql, t.id, attempt, { worktree: json(w) });
  await updateTask(sql, t.id, { worktree: json(result) }, nowIso);
  if (report.status !== 'success') return;
  if (t.kind === 'step' && w.committed && w.head_sha && w.branch) {
    const art = await insertArtifact(
      sql,
      {
        // `commit` is the first version's type for it (its clients know no other); metadata.kind
        // tells a git commit of ours from one reported by hand.
        artifact_type: 'commit',
        location: `${w.branch}@${w.head_sha}`,
        summary: `${w.files_changed} file(s) changed, +${w.insertions} -${w.deletions}`,
        producer_task_id: t.id,
        run_id: t.run_id,
        metadata: {
          kind: 'git-commit',
          branch: w.branch,
          head_sha: w.head_sha,
          base_sha: w.base_sha,
          start_sha: w.start_sha,
          files_changed: w.files_changed,
          insertions: w.insertions,
          deletions: w.deletions,
          files: w.files,
          attempt,
        },
      },
      nowIso,
    );
    await insertEvent(
      sql,
      {
        event_type: 'artifact.created',
        run_id: t.run_id,
        task_id: t.id,
        producer_role: 'runner',
        payload: { artifact_id: art.id, artifact_type: art.artifact_type, kind: 'git-commit' },
      },
      nowIso,
    );
  }
  if (t.kind === 'merge' && w.merged && t.run_id !== null) {
    await setRunMergedSha(sql, t.run_id, w.merged.new_sha, nowIso);
    await insertEvent(
      sql,
      {
        event_type: 'workflow_run.merged',
        run_id: t.run_id,
        task_id: t.id,
        producer_role: 'runner',
        payload: {
          target_branch: w.merged.target_branch,
          old_sha: w.merged.old_sha,
          new_sha: w.merged.new_sha,
          strategy: w.merged.strategy,
        },
      },
      nowIso,
    );
  }
}
