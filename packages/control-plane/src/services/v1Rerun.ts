/**
 * `POST /workflow-runs/{id}/partial-rerun` (first version §3 "Partial rerun") on our scheduler.
 *
 * Selection: `step_ids` resolve through the step id each task recorded when its run was created (never
 * through a position in the template, which may have changed since), `task_ids` must be the run's.
 * Refused with 409 while the run is paused or aborted or any of its tasks is active; with 422
 * (RERUN_SELECTION_INVALID) when a selected task did not end failed, canceled or submit-failed, when a
 * failed-ish dependency of a selected task is not selected, or when a failed task would be left
 * behind (our run fails fast, so it could never succeed).
 *
 * What is reset: the selection, plus the tasks the run's fail-fast canceled (failure step
 * `run-failed`): in the first version those stayed `created` and ran later. Each goes back to
 * `created` through the task machine (its next dispatch opens a new attempt: attempt numbers and
 * their fencing keep increasing), its handoffs are dropped, and `task.partial_rerun_reset` records who
 * and why; the run goes back to `running` through the run machine with
 * `workflow_run.partial_rerun_requested`. All of it in one transaction.
 *
 * Dispatch: with `auto_dispatch`, ready reset tasks up to `max_dispatch` are dispatched at once. Under
 * the scheduler (auto mode) it may take a task first; the answer then reports the task as the
 * scheduler dispatched it.
 */
import type { PartialRerunBody } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError, coerceError } from '../lib/errors.js';
import { isActiveTask, isUnsuccessfulTask } from '../domain/taskMachine.js';
import { deleteHandoffsOfTask } from '../store/ops/handoffs.js';
import { getRunRow } from '../store/ops/runs.js';
import { getTaskRow, listTaskRowsByRun, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { applyRunEvent, applyTaskEvent } from './lifecycle.js';
import { requireRun } from './runs.js';
import { dispatchTask } from './tasks.js';
import { executionSummary } from './v1Summary.js';
import { planV1 } from './v1Plan.js';

const invalid = (detail: string, field: string) => new AppError('RERUN_SELECTION_INVALID', detail, { field });

export async function partialRerun(ctx: ServiceContext, runId: number, body: PartialRerunBody) {
  const reset = await ctx.store.tx((sql) => resetIn(ctx, sql, runId, body));
  ctx.kick();
  const spawn = [];
  if (body.auto_dispatch) for (const item of reset.plan.ready) spawn.push(await spawnOne(ctx, item.task_id));
  return {
    run_id: runId,
    requested_by: body.requested_by,
    reason: body.reason,
    selected_task_ids: reset.selected,
    selected_step_ids: reset.selectedSteps,
    reset_task_ids: reset.reset,
    plan: reset.plan,
    spawn,
    aggregate: await executionSummary(ctx, runId),
  };
}

async function resetIn(ctx: ServiceContext, sql: Sql, runId: number, body: PartialRerunBody) {
  const run = await requireRun(sql, runId);
  if (run.status === 'aborted' || run.status === 'paused')
    throw new AppError('RUN_STATE_CONFLICT', `workflow run ${runId} is ${run.status}`, {
      current_status: run.status,
    });
  const tasks = await listTaskRowsByRun(sql, runId);
  const active = tasks.filter((t) => isActiveTask(t.status)).map((t) => t.id);
  if (active.length)
    throw new AppError(
      'RUN_STATE_CONFLICT',
      `workflow run ${runId} has active tasks and cannot be partially rerun: [${active.join(', ')}]`,
      { current_status: run.status, active_task_ids: active },
    );

  const { selected, selectedSteps } = select(runId, tasks, body);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const notRerunnable = selected.filter((id) => !isUnsuccessfulTask(byId.get(id)!.status));
  if (notRerunnable.length)
    throw invalid(
      'partial rerun supports failed terminal tasks only; invalid selections: ' +
        notRerunnable.map((id) => `${id}:${byId.get(id)!.status}`).join(', '),
      'task_ids',
    );
  // The fail-fast's collateral starts over with the selection; nothing else is touched.
  const resetSet = new Set([
    ...selected,
    ...tasks.filter((t) => t.status === 'canceled' && t.failure_step === 'run-failed').map((t) => t.id),
  ]);
  for (const id of selected) {
    for (const dep of parseJson<number[]>(byId.get(id)!.depends_on, [])) {
      const d = byId.get(dep);
      if (d && isUnsuccessfulTask(d.status) && !resetSet.has(dep))
        throw invalid(
          `selected task depends on failed task that is not selected for rerun: task ${id} -> dependency ${dep}`,
          'task_ids',
        );
    }
  }
  const leftBehind = tasks.filter((t) => isUnsuccessfulTask(t.status) && !resetSet.has(t.id));
  if (leftBehind.length)
    throw invalid(
      `the run cannot succeed while ${leftBehind.map((t) => `task ${t.id} (${t.step_id ?? 'no step'}) is ${t.status}`).join(', ')}: select ${leftBehind.length > 1 ? 'them' : 'it'} too`,
      'task_ids',
    );

  const nowIso = iso(ctx.clock.now());
  const resetIds = tasks.filter((t) => resetSet.has(t.id)).map((t) => t.id);
  for (const id of resetIds) await resetTask(ctx, sql, byId.get(id)!, body, selected.includes(id), nowIso);
  await applyRunEvent(ctx, sql, (await getRunRow(sql, runId))!, 'rerun', {
    actor: body.requested_by,
    reason: body.reason,
    payload: {
      requested_by: body.requested_by,
      selected_task_ids: selected,
      selected_step_ids: selectedSteps,
      reset_task_ids: resetIds,
    },
  });
  const fresh = await listTaskRowsByRun(sql, runId);
  const plan = await planV1(ctx, sql, (await getRunRow(sql, runId))!, fresh, {
    only: resetSet,
    max: body.max_dispatch,
  });
  return { selected, selectedSteps, reset: resetIds, plan };
}

/** The selection, in the run's task order; step ids by the step each task recorded at creation. */
function select(runId: number, tasks: readonly TaskRow[], body: PartialRerunBody) {
  const bySteps = new Map(tasks.filter((t) => t.step_id !== null).map((t) => [t.step_id!, t.id]));
  const unknownSteps = body.step_ids.filter((s) => !bySteps.has(s));
  if (unknownSteps.length)
    throw invalid(
      `unknown step_ids for run ${runId}: ${[...new Set(unknownSteps)].sort().join(', ')}`,
      'step_ids',
    );
  const inRun = new Set(tasks.map((t) => t.id));
  const unknownTasks = body.task_ids.filter((id) => !inRun.has(id));
  if (unknownTasks.length)
    throw invalid(
      `unknown task_ids for run ${runId}: [${[...new Set(unknownTasks)].sort((a, b) => a - b).join(', ')}]`,
      'task_ids',
    );
  const wanted = new Set([...body.step_ids.map((s) => bySteps.get(s)!), ...body.task_ids]);
  if (wanted.size === 0)
    throw invalid('task_ids or step_ids must resolve at least one task for partial rerun', 'task_ids');
  return {
    selected: tasks.filter((t) => wanted.has(t.id)).map((t) => t.id),
    selectedSteps: [...new Set(body.step_ids)],
  };
}

async function resetTask(
  ctx: ServiceContext,
  sql: Sql,
  t: TaskRow,
  body: PartialRerunBody,
  selected: boolean,
  nowIso: string,
) {
  const applied = await applyTaskEvent(
    ctx,
    sql,
    t,
    { type: 'rerun' },
    {
      eventType: 'task.partial_rerun_reset',
      producer: body.requested_by,
      payload: {
        previous_status: t.status,
        requested_by: body.requested_by,
        reason: body.reason,
        rerun_at: nowIso,
        selected,
      },
      patch: {
        message: `partial rerun requested by ${body.requested_by}: ${body.reason}`,
        exit_code: null,
        started_at: null,
        finished_at: null,
        output_tail: null,
        container_id: null,
        failure_category: null,
        failure_step: null,
        failure_hints: '[]',
        suggested_actions: '[]',
        next_attempt_at: null,
        ready_since: null,
        deadline_at: null,
        runner_unreachable_since: null,
        worktree: null,
        worktree_cleanup: null,
        blocked_capability: null,
      },
    },
  );
  if (!applied.result.ok)
    throw new AppError('RUN_STATE_CONFLICT', `task ${t.id} is ${t.status}; it cannot be rerun`);
  await deleteHandoffsOfTask(sql, t.id);
}

/** One dispatch of the answer's `spawn`; the scheduler may have taken the task first (auto mode). */
async function spawnOne(ctx: ServiceContext, taskId: number) {
  try {
    const d = await dispatchTask(ctx, taskId);
    const t = await ctx.store.read((sql) => getTaskRow(sql, taskId));
    return {
      task_id: taskId,
      submitted: d.runner_submission.submitted,
      task_status: t!.status,
      dispatch: d,
      error: d.runner_submission.submitted ? null : d.runner_submission.message,
    };
  } catch (err) {
    const t = await ctx.store.read((sql) => getTaskRow(sql, taskId));
    if (ctx.config.dispatchMode === 'auto' && t && t.status !== 'created')
      return {
        task_id: taskId,
        submitted: t.status !== 'submit-failed',
        task_status: t.status,
        dispatch: null,
        error: null,
        dispatched_by: 'scheduler',
      };
    const e = coerceError(err);
    return {
      task_id: taskId,
      submitted: false,
      task_status: t?.status ?? 'created',
      dispatch: null,
      error: typeof e.detail === 'string' ? e.detail : e.message,
    };
  }
}
