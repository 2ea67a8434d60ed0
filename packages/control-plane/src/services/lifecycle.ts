/**
 * The one writer of task, attempt and run status. Inside the caller's store transaction the machines
 * decide (domain/taskMachine.ts, domain/attemptMachine.ts, domain/runMachine.ts) and this module
 * writes the task, its attempt, the audit events and the run's status together, so a change and its
 * events commit together or not at all, and a task and its attempt never disagree.
 */
import type { FailureStep, RunStatus } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { attemptEventOf, transitionAttempt, type AttemptTransition } from '../domain/attemptMachine.js';
import {
  deriveRunStatus,
  isTerminalRun,
  transitionRun,
  type RunOperatorEvent,
} from '../domain/runMachine.js';
import { backoffDelayMs, decideRetry } from '../domain/retry.js';
import {
  isActiveTask,
  isTerminalTask,
  isUnsuccessfulTask,
  mayRetry,
  transitionTask,
  type TaskEvent,
  type TransitionResult,
} from '../domain/taskMachine.js';
import { classifyFailure, type TriageInput, type TriageResult } from '../domain/triage.js';
import { getAttempt, insertAttempt, updateAttempt, type AttemptRow } from '../store/ops/attempts.js';
import { addPendingCancel } from '../store/ops/cancels.js';
import { insertEvent } from '../store/ops/events.js';
import { getRunRow, updateRun, type RunRow } from '../store/ops/runs.js';
import {
  listTaskRowsByRun,
  releaseDependents,
  resetReadySince,
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
  /** The task's live attempt row, when the caller has already read it (saves a read). */
  attempt?: AttemptRow;
  /** Extra attempt columns written with the attempt's status (one UPDATE, not two). */
  attemptPatch?: { submitted_at?: string; session_id?: string | null; agent?: string | null };
  /** For `dispatch`: the runner the new attempt goes to. */
  claim?: { runner_id: number; runner_url: string };
  producer?: string;
}

/** A transition the task machine or the attempt machine refused; nothing was written. */
export type Refused = Extract<TransitionResult, { ok: false }> | Extract<AttemptTransition, { ok: false }>;

export interface Applied {
  result: Extract<TransitionResult, { ok: true }> | Refused;
  task: TaskRow;
  triage: TriageResult | null;
  retried: boolean;
}

/** How long a task the runner refused (busy, draining) waits before it is placed again. */
const REQUEUE_DELAY_MS = 200;

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
  const refusedByRunner = event.type === 'submit-refused';
  let retry = false;
  if (mayRetry(event)) {
    retry = decideRetry({
      cause: refusedByRunner ? 'refused' : 'failure',
      runStatus: task.run_id === null ? null : ((await getRunRow(sql, task.run_id))?.status ?? null),
      policy,
      category: triage?.category ?? null,
      retriesUsed: task.retries_used,
    });
  }
  // The machine must see the same retry decision the bookkeeping below applies.
  const ev: TaskEvent = mayRetry(event) ? ({ ...event, retry } as TaskEvent) : event;
  const result = transitionTask(task.status, ev);
  if (!result.ok || result.noop) return { result, task, triage, retried: false };

  // Only an attempt that is live moves with the task; a created task's last attempt is already closed.
  const attemptEvent = task.attempt > 0 && isActiveTask(task.status) ? attemptEventOf(ev) : null;
  let attempt = opts.attempt;
  if (attemptEvent) {
    attempt ??= await getAttempt(sql, task.id, task.attempt);
    if (!attempt)
      throw new AppError('INTERNAL_ERROR', `task ${task.id} has no row for attempt ${task.attempt}`);
    const at = transitionAttempt(attempt.status, attemptEvent);
    if (!at.ok) return { result: at, task, triage, retried: false };
    attempt = { ...attempt, status: at.next };
  }

  const next = result.next;
  const patch: TaskPatch = { ...opts.patch, status: next };
  if (event.type === 'dispatch') {
    if (!opts.claim) throw new AppError('INTERNAL_ERROR', 'a dispatch needs the runner it goes to');
    patch.attempt = task.attempt + 1;
    patch.runner_id = opts.claim.runner_id;
  }
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
    delay = refusedByRunner ? REQUEUE_DELAY_MS : backoffDelayMs(policy, task.retries_used + 1, ctx.random);
    patch.retries_used = refusedByRunner ? task.retries_used : task.retries_used + 1;
    patch.next_attempt_at = now + delay;
    // A requeue keeps the time-to-start clock running; a real retry starts it afresh.
    patch.ready_since = refusedByRunner ? (task.ready_since ?? now) : null;
    patch.deadline_at = null;
    patch.runner_unreachable_since = null;
  }
  await updateTask(sql, task.id, patch, nowIso);
  if (next === 'success') await releaseDependents(sql, task.id);
  const updated: TaskRow = { ...task, ...patch, updated_at: nowIso } as TaskRow;

  if (event.type === 'dispatch') {
    await insertAttempt(
      sql,
      {
        task_id: task.id,
        attempt: updated.attempt,
        runner_id: opts.claim!.runner_id,
        runner_url: opts.claim!.runner_url,
      },
      nowIso,
    );
  } else if (attempt && attemptEvent) {
    await updateAttempt(sql, task.id, task.attempt, {
      ...opts.attemptPatch,
      status: attempt.status,
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
        attempt: updated.attempt,
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
          requeue: refusedByRunner,
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

const RUN_EVENT: Partial<Record<RunStatus, string>> = {
  running: 'workflow_run.running',
  success: 'workflow_run.succeeded',
  failed: 'workflow_run.failed',
  paused: 'workflow_run.paused',
  aborted: 'workflow_run.aborted',
};

const RUN_OPERATOR_EVENT: Partial<Record<RunOperatorEvent, string>> = {
  resume: 'workflow_run.resumed',
  rerun: 'workflow_run.partial_rerun_requested',
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
  const counts = await runTaskCounts(sql, runId);
  // A run the operator resumed has started (started_at), even before its first dispatch.
  const next = deriveRunStatus({
    current: run.status,
    ...counts,
    started: counts.started || run.started_at !== null,
  });
  if (next === run.status) return;
  const tasks = next === 'failed' ? await listTaskRowsByRun(sql, runId) : [];
  const failedTask = tasks.find((t) => isUnsuccessfulTask(t.status));
  await writeRunStatus(ctx, sql, run, next, {
    payload:
      next === 'failed' && failedTask
        ? { failed_task_id: failedTask.id, failure_category: failedTask.failure_category }
        : {},
  });
  if (next === 'failed') {
    // Tasks that wait (`created`) can no longer start; tasks under way end by their own reports or
    // their runner's loss, and none of them retries in an ended run (domain/retry.ts decideRetry).
    for (const t of tasks) {
      if (t.status !== 'created') continue;
      await cancelTaskInTx(
        ctx,
        sql,
        t,
        `run ${runId} failed: task ${failedTask?.id ?? '?'} (${failedTask?.step_id ?? ''}) did not succeed`,
        // Marks the collateral of the fail-fast: a partial rerun starts these over with the run.
        'run-failed',
      );
    }
  }
}

/** The run row and its event, together; the only place a run's status is written. */
async function writeRunStatus(
  ctx: ServiceContext,
  sql: Sql,
  run: RunRow,
  next: RunStatus,
  how: { payload: Record<string, unknown>; producer?: string; eventType?: string },
): Promise<void> {
  const nowIso = iso(ctx.clock.now());
  await updateRun(
    sql,
    run.id,
    {
      status: next,
      ...(next === 'running' && !run.started_at ? { started_at: nowIso } : {}),
      ...(isTerminalRun(next) ? { finished_at: nowIso } : {}),
      // A partial rerun reopens an ended run.
      ...(!isTerminalRun(next) && run.finished_at ? { finished_at: null } : {}),
    },
    nowIso,
  );
  await insertEvent(
    sql,
    {
      event_type: how.eventType ?? RUN_EVENT[next] ?? `workflow_run.${next}`,
      run_id: run.id,
      ...(how.producer ? { producer_role: how.producer } : {}),
      payload: { from: run.status, to: next, ...how.payload },
    },
    nowIso,
  );
}

/**
 * An operator's pause, resume or abort, as the run machine allows it. Abort cancels every task that
 * has not ended; resume derives the status again from the tasks.
 */
export async function applyRunEvent(
  ctx: ServiceContext,
  sql: Sql,
  run: RunRow,
  event: RunOperatorEvent,
  opts: { actor?: string; reason?: string; payload?: Record<string, unknown> } = {},
): Promise<void> {
  const tr = transitionRun(run.status, event);
  if (!tr.ok)
    throw new AppError(tr.code, `cannot ${event} run ${run.id}: it is ${run.status}`, {
      current_status: run.status,
    });
  if (tr.noop) return;
  await writeRunStatus(ctx, sql, run, tr.next, {
    payload: { reason: opts.reason ?? null, ...opts.payload },
    producer: opts.actor ?? 'operator',
    eventType: RUN_OPERATOR_EVENT[event],
  });
  if (event === 'abort') {
    for (const t of await listTaskRowsByRun(sql, run.id)) {
      if (isTerminalTask(t.status)) continue;
      await cancelTaskInTx(ctx, sql, t, `run ${run.id} aborted${opts.reason ? `: ${opts.reason}` : ''}`);
    }
  }
  // Time spent paused is not time-to-start.
  if (event === 'pause' || event === 'resume') await resetReadySince(sql, run.id);
  if (event === 'resume') await recomputeRun(ctx, sql, run.id);
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
  if (isActiveTask(task.status) && task.runner_id !== null && task.attempt > 0) {
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
    },
  );
}
