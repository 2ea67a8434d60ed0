/**
 * The first version's `TaskAudit` fields of `GET /tasks/{id}/audit`, derived from what we store
 * (task row, attempts, events, handoffs, artifacts): v1 kept a separate audit record overwritten at
 * each dispatch; ours computes the same fields on read, next to our attempts and events.
 */
import { getApprovalByTask } from '../store/ops/approvals.js';
import type { AttemptRow } from '../store/ops/attempts.js';
import type { EventRow } from '../store/ops/events.js';
import { latestHandoff } from '../store/ops/handoffs.js';
import { getRole } from '../store/ops/roles.js';
import type { TaskRow } from '../store/ops/tasks.js';
import { artifactsProducedBy } from '../store/ops/v1Fields.js';
import { taskWorktreeOf } from '../store/ops/worktrees.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import { resolveContext7 } from './prompt.js';
import { consumedArtifactIds, V1_SANDBOX_WORKDIR } from './v1Payload.js';

/** v1 capped the audit's event id list at 200. */
const RECENT_EVENTS = 200;

export async function v1AuditFields(sql: Sql, t: TaskRow, attempts: AttemptRow[], events: EventRow[]) {
  const role = await getRole(sql, t.role_id);
  const roleContext7 = role?.context7_enabled === true;
  const approval = t.requires_approval ? await getApprovalByTask(sql, t.id) : undefined;
  const handoff = await latestHandoff(sql, t.id);
  const wt = taskWorktreeOf(t.worktree);
  const cleanup = parseJson<{
    attempted?: boolean;
    succeeded?: boolean | null;
    message?: string | null;
  } | null>(t.worktree_cleanup, null);
  const docker = t.execution_mode === 'docker-sandbox';
  const sandbox = parseJson<Record<string, unknown> | null>(t.sandbox, null);
  const retries = events.filter((e) => e.event_type === 'task.retry_scheduled');
  const lastRetry = retries.at(-1)?.payload;
  const reruns = events.filter((e) => e.event_type === 'task.partial_rerun_reset');
  const lastRerun = reruns.at(-1);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    role_id: t.role_id,
    context7_mode: t.context7_mode,
    role_context7_enabled: roleContext7,
    resolved_context7_enabled: resolveContext7(t.context7_mode, roleContext7),
    execution_mode: t.execution_mode,
    requires_approval: t.requires_approval === 1,
    approval_status: approval?.status ?? null,
    workflow_run_id: t.run_id,
    task_run_id: t.run_id === null ? `standalone:task-${t.id}` : `run-${t.run_id}:task-${t.id}`,
    project_id: t.project_id,
    lock_paths: parseJson<string[]>(t.lock_paths, []),
    worktree_path: wt?.path ?? null,
    git_branch: wt?.branch ?? null,
    worktree_cleanup_attempted: cleanup?.attempted ?? false,
    worktree_cleanup_succeeded: cleanup?.succeeded ?? null,
    worktree_cleanup_message: cleanup?.message ?? null,
    // The cleanup is reported with the attempt's outcome.
    worktree_cleanup_at: cleanup ? t.finished_at : null,
    sandbox_image: docker ? str(sandbox?.image) : null,
    sandbox_workdir: docker && sandbox ? (str(sandbox.workdir) ?? V1_SANDBOX_WORKDIR) : null,
    sandbox_container_id: docker ? t.container_id : null,
    sandbox_exit_code: docker ? t.exit_code : null,
    sandbox_error: docker && t.status !== 'success' && t.finished_at ? t.message : null,
    handoff: handoff ?? null,
    consumed_artifact_ids: t.attempt > 0 ? await consumedArtifactIds(sql, t) : [],
    produced_artifact_ids: (await artifactsProducedBy(sql, [t.id])).map((a) => a.id),
    retry_attempts: t.retries_used,
    last_retry_reason: lastRetry
      ? `retry ${String(lastRetry.retry_number)} after attempt ${String(lastRetry.failed_attempt)} failed (${
          str(lastRetry.failure_category) ?? 'unknown'
        })`
      : null,
    failure_categories: [
      ...new Set(attempts.map((a) => a.failure_category).filter((c): c is string => c !== null)),
    ],
    failure_triage_hints: parseJson<string[]>(t.failure_hints, []),
    rerun_count: reruns.length,
    last_rerun_by: str(lastRerun?.payload.requested_by),
    last_rerun_reason: str(lastRerun?.payload.reason),
    last_rerun_at: lastRerun?.created_at ?? null,
    recent_event_ids: events.slice(-RECENT_EVENTS).map((e) => e.id),
  };
}
