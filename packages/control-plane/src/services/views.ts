import { RetryPolicy, type AgentSummary, type FailureCategory } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { DEFAULT_RETRY_POLICY } from '../domain/retry.js';
import { evaluateGates, policyOf, type TaskGateSummary } from '../domain/qualityGates.js';
import { isActiveTask } from '../domain/taskMachine.js';
import type { ApprovalRow } from '../store/ops/approvals.js';
import type { AttemptRow } from '../store/ops/attempts.js';
import type { TaskRow } from '../store/ops/tasks.js';
import { taskWorktreeOf } from '../store/ops/worktrees.js';
import type { RunRow } from '../store/ops/runs.js';
import { parseJson } from '../store/sql.js';

/**
 * Row → wire object mappers. Computed fields are derived here, never stored twice. `gate` is the task's
 * quality-gate summary (services/v1Gates.ts reads what it needs); without it, judged from the status.
 */
export function taskView(
  t: TaskRow,
  approval?: ApprovalRow | null,
  agent: string | null = null,
  gate?: TaskGateSummary,
) {
  const policy = policyOf(t.quality_gate_policy);
  const lockPaths = parseJson<string[]>(t.lock_paths, []);
  return {
    id: t.id,
    run_id: t.run_id,
    step_id: t.step_id,
    role_id: t.role_id,
    project_id: t.project_id,
    title: t.title,
    description: t.description,
    context7_mode: t.context7_mode,
    execution_mode: t.execution_mode,
    requires_approval: t.requires_approval === 1,
    lock_paths: lockPaths,
    locks_released: t.locks_released === 1,
    /** Ours: the lock paths this task holds now (while it is active and has not released them). */
    locks_held: isActiveTask(t.status) && t.locks_released === 0 ? lockPaths : [],
    /** Ours: `step`, or `merge` for the merge task of an isolated-worktree run (it runs no agent). */
    kind: t.kind,
    /** Ours: an isolated-worktree task's result (commit, branch, diff stats, merge), or null. */
    worktree: taskWorktreeOf(t.worktree),
    /** Ours: a standalone isolated-worktree task's base (run tasks: the run's `worktree`). */
    base_branch: t.base_branch,
    base_sha: t.base_sha,
    sandbox: parseJson(t.sandbox, null),
    quality_gate_policy: policy,
    depends_on: parseJson<number[]>(t.depends_on, []),
    status: t.status,
    attempt: t.attempt,
    runner_id: t.runner_id,
    retries_used: t.retries_used,
    next_attempt_at: t.next_attempt_at === null ? null : iso(t.next_attempt_at),
    runner_unreachable_since: t.runner_unreachable_since,
    exit_code: t.exit_code,
    message: t.message,
    /** The first version's name for `message`. */
    runner_message: t.message,
    output_tail: t.output_tail,
    container_id: t.container_id,
    failure_category: (t.failure_category as FailureCategory | null) ?? null,
    failure_step: t.failure_step,
    failure_triage_hints: parseJson<string[]>(t.failure_hints, []),
    suggested_next_actions: parseJson<string[]>(t.suggested_actions, []),
    quality_gate_summary:
      gate ??
      evaluateGates(policy, {
        taskId: t.id,
        status: t.status,
        requiresApproval: t.requires_approval === 1,
        approval: approval?.status ?? null,
      }),
    /** What the coding agent of the current attempt said about its work (codex, claude), or null. */
    agent: parseJson<AgentSummary | null>(agent, null),
    approval_id: approval?.id ?? null,
    approval_status: approval?.status ?? null,
    timeout_seconds: t.timeout_seconds,
    time_to_start_seconds: t.time_to_start_seconds,
    started_at: t.started_at,
    finished_at: t.finished_at,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}
export type TaskView = ReturnType<typeof taskView>;

export function effectivePolicy(t: Pick<TaskRow, 'retry_policy'>): RetryPolicy {
  const raw = parseJson<unknown>(t.retry_policy, null);
  if (!raw) return DEFAULT_RETRY_POLICY;
  const parsed = RetryPolicy.safeParse(raw);
  return parsed.success ? parsed.data : DEFAULT_RETRY_POLICY;
}

/** An attempt row on the wire: the agent summary as an object, not its JSON text. */
export function attemptView(a: AttemptRow) {
  return {
    ...a,
    agent: parseJson<AgentSummary | null>(a.agent, null),
    worktree: parseJson<Record<string, unknown> | null>(a.worktree, null),
  };
}

export function approvalView(a: ApprovalRow) {
  return {
    id: a.id,
    task_id: a.task_id,
    status: a.status,
    actor: a.actor,
    /** v1's name for who decided (the same as `actor`). */
    decided_by: a.actor,
    comment: a.comment,
    decided_at: a.decided_at,
    created_at: a.created_at,
    updated_at: a.updated_at,
  };
}

export function durationMs(startIso: string | null, endIso: string | null, nowMs: number): number | null {
  if (!startIso) return null;
  const end = endIso ? Date.parse(endIso) : nowMs;
  return Math.max(0, end - Date.parse(startIso));
}

export function runBaseView(r: RunRow) {
  return {
    id: r.id,
    workflow_template_id: r.workflow_template_id,
    project_id: r.project_id,
    status: r.status,
    initiated_by: r.initiated_by,
    created_at: r.created_at,
    updated_at: r.updated_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
    /**
     * Ours: an isolated-worktree run's base (fixed at creation), where its result lands and the commit
     * it landed as (null until the merge task succeeds); null for other runs.
     */
    worktree: r.base_sha
      ? {
          base_branch: r.base_branch,
          base_sha: r.base_sha,
          target_branch: r.target_branch,
          merge_strategy: r.merge_strategy,
          merged_sha: r.merged_sha,
        }
      : null,
  };
}
