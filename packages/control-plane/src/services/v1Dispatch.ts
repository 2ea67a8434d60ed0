/**
 * `POST /workflow-runs/{id}/dispatch-ready` and `/control-loop`: the first version's stepping
 * endpoints, with its answers (shared/reference/first-version.md §1 "Workflow runs") on top of our
 * readiness (domain/readiness.ts) and manual dispatch (services/tasks.ts `dispatchTask`).
 *
 * - dispatch-ready dispatches the first ready task in `task_ids` order. `dispatched` says a task was
 *   dispatched, not that its runner took it: a runner that cannot be reached leaves the task
 *   `submit-failed` (with triage) and answers `dispatched: true` with `dispatch.runner_submission.
 *   submitted: false`, as v1 did. Runners that are all busy answer 200 `dispatched: false`,
 *   `reason: "no runner capacity"` (nothing changed; a stepping client polls on it). A paused or
 *   aborted run is 409; an unapproved gated task first in line is 409 from the dispatch itself.
 * - control-loop plans every waiting task (ready / blocked with v1's reasons), dispatches up to
 *   `max_dispatch` of the ready ones, and reports each as a spawn entry; refusals are captured per task.
 */
import type { Readiness } from '../domain/readiness.js';
import { AppError, isAppError } from '../lib/errors.js';
import { getApprovalByTask } from '../store/ops/approvals.js';
import { getTaskRow, listTaskRowsByRun, statusesOf, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { taskReadiness } from './readiness.js';
import { requireRun } from './runs.js';
import { executionSummary } from './v1Summary.js';
import { dispatchTask } from './tasks.js';

/** The stable reason a stepping client sees when every online runner is at capacity. */
export const NO_RUNNER_CAPACITY = 'no runner capacity';

type Judged = { task: TaskRow; readiness: Readiness };

/** The run's waiting tasks in `task_ids` order with their readiness; 409 for a paused or aborted run. */
async function judgeRun(ctx: ServiceContext, sql: Sql, runId: number): Promise<Judged[]> {
  const out: Judged[] = [];
  for (const t of await listTaskRowsByRun(sql, runId)) {
    if (t.status !== 'created') continue;
    out.push({ task: t, readiness: await taskReadiness(ctx, sql, t) });
  }
  return out;
}

function refuseHeldRun(id: number, status: string): void {
  if (status === 'paused' || status === 'aborted')
    throw new AppError('RUN_STATE_CONFLICT', `workflow run ${id} is ${status}`, { current_status: status });
}

/** v1 did not pre-check approvals (nor locks) here: such a task is dispatched, and refused by the dispatch. */
const DISPATCH_DECIDES = new Set(['approval pending', 'approval rejected', 'lock conflict']);

export async function dispatchReady(ctx: ServiceContext, id: number) {
  const judged = await ctx.store.read(async (sql) => {
    refuseHeldRun(id, (await requireRun(sql, id)).status);
    return judgeRun(ctx, sql, id);
  });
  const first = judged.find((j) => j.readiness.ready || DISPATCH_DECIDES.has(j.readiness.reason));
  if (!first) {
    const reasons = judged.map((j) => (j.readiness.ready ? '' : j.readiness.reason));
    const reason = reasons.some((r) => r === 'dependencies not satisfied' || r === 'dependencies failed')
      ? 'dependencies not satisfied'
      : reasons.includes('required handoff artifacts missing')
        ? 'required handoff artifacts missing'
        : 'no ready tasks';
    return { run_id: id, dispatched: false, task_id: null, reason, dispatch: null };
  }
  const taskId = first.task.id;
  try {
    const dispatch = await dispatchTask(ctx, taskId);
    return { run_id: id, dispatched: true, task_id: taskId, reason: null, dispatch };
  } catch (err) {
    if (isAppError(err) && err.code === 'NO_RUNNER_AVAILABLE')
      return { run_id: id, dispatched: false, task_id: null, reason: NO_RUNNER_CAPACITY, dispatch: null };
    throw err;
  }
}

type Blocked = { task_id: number | null; reason: string; details: Record<string, unknown> };

/** v1's blocked reason (and details) for a task our readiness refuses. */
async function blockedItem(sql: Sql, t: TaskRow, reason: string): Promise<Blocked> {
  switch (reason) {
    case 'dependencies not satisfied':
    case 'dependencies failed': {
      const deps = await statusesOf(sql, parseJson<number[]>(t.depends_on, []));
      return {
        task_id: t.id,
        reason: 'dependencies-not-satisfied',
        details: {
          dependencies: deps
            .filter((d) => d.status !== 'success')
            .map((d) => ({ task_id: d.id, status: d.status })),
        },
      };
    }
    case 'required handoff artifacts missing':
      return {
        task_id: t.id,
        reason: 'required-handoff-artifacts-missing',
        details: { required_artifacts: parseJson<unknown[]>(t.required_artifacts, []) },
      };
    case 'approval pending':
    case 'approval rejected': {
      const a = await getApprovalByTask(sql, t.id);
      return {
        task_id: t.id,
        reason: 'approval-required',
        details: { approval_id: a?.id ?? null, approval_status: a?.status ?? 'missing' },
      };
    }
    case 'backoff':
      // Ours: a retry waits for its backoff (v1 had none).
      return { task_id: t.id, reason: 'retry-backoff', details: { next_attempt_at: t.next_attempt_at } };
    case 'lock conflict':
      return { task_id: t.id, reason: 'lock-conflict', details: { lock_paths: parseJson(t.lock_paths, []) } };
    default:
      return { task_id: t.id, reason: reason.replace(/ /g, '-'), details: {} };
  }
}

export async function controlLoop(ctx: ServiceContext, id: number, maxDispatch: number) {
  const plan = await ctx.store.read(async (sql) => {
    const run = await requireRun(sql, id);
    const ready: { task_id: number; consumed_artifact_ids: number[] }[] = [];
    const blocked: Blocked[] = [];
    if (run.status === 'paused' || run.status === 'aborted') {
      blocked.push({ task_id: null, reason: `run-${run.status}`, details: { run_id: id } });
      return { ready, blocked };
    }
    for (const { task, readiness } of await judgeRun(ctx, sql, id)) {
      // An ended run (success, failed) has no task left waiting: nothing to plan.
      if (!readiness.ready && readiness.reason === 'run not active') continue;
      if (!readiness.ready) blocked.push(await blockedItem(sql, task, readiness.reason));
      else if (ready.length >= maxDispatch)
        blocked.push({
          task_id: task.id,
          reason: 'dispatch-limit-reached',
          details: { max_tasks: maxDispatch },
        });
      else ready.push({ task_id: task.id, consumed_artifact_ids: [] });
    }
    return { ready, blocked };
  });
  const spawn = [];
  for (const { task_id } of plan.ready) spawn.push(await spawnOne(ctx, task_id));
  return { run_id: id, plan, spawn, aggregate: await executionSummary(ctx, id) };
}

/** One dispatch of the plan; a refusal is captured in the entry, as v1 did, instead of failing the loop. */
async function spawnOne(ctx: ServiceContext, taskId: number) {
  const statusNow = async () => (await ctx.store.read((sql) => getTaskRow(sql, taskId)))?.status ?? null;
  try {
    const dispatch = await dispatchTask(ctx, taskId);
    return {
      task_id: taskId,
      submitted: dispatch.runner_submission.submitted,
      task_status: await statusNow(),
      dispatch,
      error: null,
    };
  } catch (err) {
    if (!isAppError(err)) throw err;
    return {
      task_id: taskId,
      submitted: false,
      task_status: await statusNow(),
      dispatch: null,
      error: err.code === 'NO_RUNNER_AVAILABLE' ? NO_RUNNER_CAPACITY : err.message,
      code: err.code,
    };
  }
}
