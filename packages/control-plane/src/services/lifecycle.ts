/**
 * Applying task events inside a store transaction: the state machine decides, this module writes the
 * task, its attempt, the audit events and the run's derived status — all in the caller's transaction,
 * so a change and its events commit together or not at all.
 */
import type { FailureStep, TaskStatus } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { deriveRunStatus, isTerminalRun } from '../domain/runMachine.js';
import { backoffDelayMs, shouldRetry } from '../domain/retry.js';
import {
  isActiveTask,
  isTerminalTask,
  transitionTask,
  type TaskEvent,
  type TransitionResult,
} from '../domain/taskMachine.js';
import { classifyFailure, type TriageInput, type TriageResult } from '../domain/triage.js';
import { updateAttempt } from '../store/ops/attempts.js';
import { addPendingCancel } from '../store/ops/cancels.js';
import { insertEvent } from '../store/ops/events.js';
import { getRunRow, updateRun } from '../store/ops/runs.js';
import {
  listTaskRowsByRun,
  releaseDependents,
  runTaskCounts,
  updateTask,
  type TaskPatch,
  type TaskRow,
} from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { json } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { effectivePolicy } from './views.js';

export interface ApplyOptions {
  /** Event type written for the transition (e.g. `task.runner_status_updated`). */
  eventType: string;
  payload?: Record<string, unknown>;
  /** Extra task columns to write with the transition. */
  patch?: TaskPatch;
  /** For failures: what the classifier needs. */
  failure?: TriageInput;
  /** Attempt status to record (defaults from the event). */
  attemptStatus?: string;
  /** Extra attempt columns written with the attempt's status (one UPDATE, not two). */
  attemptPatch?: { submitted_at?: string };
  /** A capacity refusal: try again soon without spending a retry. */
  requeue?: boolean;
  producer?: string;
}

export interface Applied {
  result: TransitionResult;
  task: TaskRow;
  triage: TriageResult | null;
  retried: boolean;
}

function canRetry(event: TaskEvent): boolean {
  return (
    event.type === 'submit-failed' ||
    event.type === 'lost' ||
    event.type === 'timeout' ||
    (event.type === 'report' && event.status === 'failed')
  );
}

export async function applyTaskEvent(
  ctx: ServiceContext,
  sql: Sql,
  task: TaskRow,
  event: TaskEvent,
  opts: ApplyOptions,
): Promise<Applied> {
  const now = ctx.clock.now();
  const nowIso = iso(now);
  const triage = opts.failure ? classifyFailure(opts.failure) : null;
  const policy = effectivePolicy(task);
  const retry =
    canRetry(event) &&
    (opts.requeue === true || (triage !== null && shouldRetry(policy, triage.category, task.retries_used)));
  // The machine must see the same retry decision the bookkeeping below applies.
  const ev: TaskEvent = canRetry(event) ? ({ ...event, retry } as TaskEvent) : event;
  const result = transitionTask(task.status, ev);
  if (!result.ok || result.noop) return { result, task, triage, retried: false };

  const next = result.next;
  const patch: TaskPatch = { ...opts.patch, status: next };
  if (triage) {
    patch.failure_category = triage.category;
    patch.failure_step = triage.step;
    patch.failure_hints = json(triage.hints.map(ctx.redact));
    patch.suggested_actions = json(triage.actions);
  }
  if (next === 'success') {
    patch.failure_category = null;
    patch.failure_step = null;
    patch.failure_hints = '[]';
    patch.suggested_actions = '[]';
  }
  if (isTerminalTask(next)) {
    patch.finished_at = patch.finished_at ?? nowIso;
    patch.deadline_at = null;
  }
  let delay = 0;
  if (retry) {
    delay = opts.requeue ? 200 : backoffDelayMs(policy, task.retries_used + 1, ctx.random);
    patch.retries_used = opts.requeue ? task.retries_used : task.retries_used + 1;
    patch.next_attempt_at = now + delay;
    // A capacity requeue keeps the time-to-start clock running; a real retry starts it afresh.
    patch.ready_since = opts.requeue ? (task.ready_since ?? now) : null;
    patch.deadline_at = null;
    patch.runner_unreachable_since = null;
  }
  await updateTask(sql, task.id, patch, nowIso);
  if (next === 'success') await releaseDependents(sql, task.id);
  const updated: TaskRow = { ...task, ...patch, updated_at: nowIso } as TaskRow;

  // Only an attempt that was live gets an outcome; a created task's last attempt is already closed.
  if (task.attempt > 0 && isActiveTask(task.status)) {
    const attemptStatus = opts.attemptStatus ?? (retry ? attemptOutcome(event) : next);
    await updateAttempt(sql, task.id, task.attempt, {
      ...opts.attemptPatch,
      status: attemptStatus,
      finished_at: isTerminalTask(next) || retry ? nowIso : null,
      exit_code: updated.exit_code,
      failure_category: triage?.category ?? null,
      message: updated.message,
    });
  }
  await insertEvent(
    sql,
    {
      event_type: opts.eventType,
      run_id: task.run_id,
      task_id: task.id,
      producer_role: opts.producer ?? 'control-plane',
      payload: {
        from: task.status,
        to: next,
        attempt: task.attempt,
        ...(triage ? { failure_category: triage.category } : {}),
        ...opts.payload,
      },
    },
    nowIso,
  );
  if (retry) {
    await insertEvent(
      sql,
      {
        event_type: 'task.retry_scheduled',
        run_id: task.run_id,
        task_id: task.id,
        payload: {
          failed_attempt: task.attempt,
          retry_number: patch.retries_used,
          delay_ms: delay,
          failure_category: triage?.category ?? null,
          requeue: opts.requeue === true,
        },
      },
      nowIso,
    );
  }
  // Only a terminal task, a retry or a dispatch (a run's first one starts it) can change the run's
  // derived status; a task already under way (queued, running, cancel-requested) cannot.
  const runMayChange = isTerminalTask(next) || next === 'created' || task.status === 'created';
  if (task.run_id !== null && runMayChange)
    await recomputeRun(
      ctx,
      sql,
      task.run_id,
      isTerminalTask(next) || next === 'created' ? 'full' : 'start-only',
    );
  // Only an ending (a freed slot, released dependents) or a retry can make work ready; a dispatch or
  // a running report cannot, and must not trigger another claim pass.
  if (isTerminalTask(next) || next === 'created') ctx.kick();
  return { result, task: updated, triage, retried: retry };
}

function attemptOutcome(event: TaskEvent): string {
  if (event.type === 'lost') return 'lost';
  if (event.type === 'timeout') return 'timeout';
  if (event.type === 'submit-failed') return 'submit-failed';
  return 'failed';
}

const RUN_EVENT: Partial<Record<string, string>> = {
  running: 'workflow_run.running',
  success: 'workflow_run.succeeded',
  failed: 'workflow_run.failed',
};

/** Derive the run's status from its tasks; on failure, cancel what can no longer start. */
export async function recomputeRun(
  ctx: ServiceContext,
  sql: Sql,
  runId: number,
  scope: 'full' | 'start-only' = 'full',
): Promise<void> {
  const run = await getRunRow(sql, runId);
  if (!run || isTerminalRun(run.status)) return;
  if (scope === 'start-only' && run.status !== 'created') return;
  const next = deriveRunStatus({ current: run.status, ...(await runTaskCounts(sql, runId)) });
  if (next === run.status) return;
  const tasks = next === 'failed' ? await listTaskRowsByRun(sql, runId) : [];
  const nowIso = iso(ctx.clock.now());
  await updateRun(
    sql,
    runId,
    {
      status: next,
      ...(next === 'running' && !run.started_at ? { started_at: nowIso } : {}),
      ...(isTerminalRun(next) ? { finished_at: nowIso } : {}),
    },
    nowIso,
  );
  const failedTask = tasks.find(
    (t) => t.status === 'failed' || t.status === 'submit-failed' || t.status === 'canceled',
  );
  await insertEvent(
    sql,
    {
      event_type: RUN_EVENT[next] ?? `workflow_run.${next}`,
      run_id: runId,
      payload: {
        from: run.status,
        to: next,
        ...(next === 'failed' && failedTask
          ? { failed_task_id: failedTask.id, failure_category: failedTask.failure_category }
          : {}),
      },
    },
    nowIso,
  );
  if (next === 'failed') {
    for (const t of tasks) {
      if (t.status !== 'created') continue;
      await cancelTaskInTx(
        ctx,
        sql,
        t,
        `run ${runId} failed: task ${failedTask?.id ?? '?'} (${failedTask?.step_id ?? ''}) did not succeed`,
      );
    }
  }
}

/**
 * Cancel at once; an active attempt's runner is told when reachable (pending cancel row, delivered
 * right after commit or with the runner's next heartbeat answer).
 */
export async function cancelTaskInTx(
  ctx: ServiceContext,
  sql: Sql,
  task: TaskRow,
  reason: string,
  step: FailureStep = 'cancel',
): Promise<Applied> {
  const active: TaskStatus[] = ['dispatched', 'queued', 'running', 'cancel-requested'];
  if (active.includes(task.status) && task.runner_id !== null && task.attempt > 0) {
    await addPendingCancel(sql, task.id, task.attempt, task.runner_id, iso(ctx.clock.now()));
  }
  return applyTaskEvent(
    ctx,
    sql,
    task,
    { type: 'cancel' },
    {
      eventType: 'task.canceled',
      payload: { reason },
      patch: { message: reason },
      failure: { step, message: reason },
      attemptStatus: 'canceled',
    },
  );
}
