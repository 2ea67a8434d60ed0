import type { TaskCreate, TaskListQuery } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { REDACTED, redactDeep } from '../lib/redact.js';
import { getApprovalByTask, insertApproval } from '../store/ops/approvals.js';
import { latestHandoff } from '../store/ops/handoffs.js';
import { getAttemptAgent, listAttempts } from '../store/ops/attempts.js';
import { isActiveTask } from '../domain/taskMachine.js';
import { getRole } from '../store/ops/roles.js';
import { getRunRow } from '../store/ops/runs.js';
import { insertEvent, listEvents } from '../store/ops/events.js';
import {
  getTaskRow,
  insertTask,
  listTaskRowsByRun,
  updateTask,
  type NewTask,
  type TaskRow,
} from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { json, parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { NEWEST_PAGE, pageOf, type Page } from './page.js';
import { countTasks, listTaskPage, tasksNewerThanPage } from '../store/ops/taskList.js';
import { buildPayload, claimForManualDispatch, describeRunner, submitAttempt } from './dispatch.js';
import { taskReadiness } from './readiness.js';
import { applyTaskEvent, cancelTaskInTx } from './lifecycle.js';
import { checkMode, checkModeAtDispatch, checkModeShape } from './executionModes.js';
import { approvalView, attemptView, taskView } from './views.js';
import { approvalRefusal } from './v1Approval.js';
import { v1AuditFields } from './v1Audit.js';
import { taskGateSummary } from './v1Gates.js';

export async function requireTask(sql: Sql, id: number): Promise<TaskRow> {
  const t = await getTaskRow(sql, id);
  if (!t) throw new AppError('TASK_NOT_FOUND', `task ${id} not found`);
  return t;
}

export async function viewTask(sql: Sql, t: TaskRow) {
  // Only an ended attempt has an agent summary (it comes with the terminal report): no read for the
  // tasks under way, which are most of the views a busy scheduler asks for.
  const agent = t.attempt > 0 && !isActiveTask(t.status) ? await getAttemptAgent(sql, t.id, t.attempt) : null;
  const approval = t.requires_approval ? await getApprovalByTask(sql, t.id) : null;
  return taskView(t, approval, agent, await taskGateSummary(sql, t, approval?.status ?? null));
}

/** Insert a task with its created event and, when gated, its pending approval (caller's tx). */
export async function insertTaskWithEvents(ctx: ServiceContext, sql: Sql, t: NewTask): Promise<number> {
  const nowIso = iso(ctx.clock.now());
  const id = await insertTask(sql, t, nowIso);
  await insertEvent(
    sql,
    {
      event_type: 'task.created',
      run_id: t.run_id,
      task_id: id,
      payload: { step_id: t.step_id, title: t.title },
    },
    nowIso,
  );
  if (t.requires_approval) {
    const approvalId = await insertApproval(sql, id, nowIso);
    await insertEvent(
      sql,
      { event_type: 'approval.pending', run_id: t.run_id, task_id: id, payload: { approval_id: approvalId } },
      nowIso,
    );
  }
  return id;
}

export async function createTask(ctx: ServiceContext, body: TaskCreate) {
  return ctx.store.tx(async (sql) => {
    const projectId = body.project_id ?? null;
    const mode = { ...body, project_id: projectId };
    // v1's order: the request's own rules (422), then its references (404), then paths (422).
    checkModeShape(mode, '', true);
    const role = await getRole(sql, body.role_id);
    if (!role) throw new AppError('ROLE_NOT_FOUND', `role ${body.role_id} not found`, { field: 'role_id' });
    const checked = await checkMode(sql, mode, '', true);
    const constraints = role.execution_constraints;
    const id = await insertTaskWithEvents(ctx, sql, {
      run_id: null,
      step_id: null,
      role_id: body.role_id,
      project_id: projectId,
      title: body.title,
      description: body.description ?? null,
      context7_mode: body.context7_mode,
      execution_mode: body.execution_mode,
      requires_approval: body.requires_approval ? 1 : 0,
      lock_paths: json(checked.lock_paths),
      sandbox: checked.sandbox ? json(checked.sandbox) : null,
      quality_gate_policy: body.quality_gate_policy ? json(body.quality_gate_policy) : null,
      executor_params: body.executor_params ? json(body.executor_params) : null,
      depends_on: '[]',
      required_artifacts: '[]',
      retry_policy: constraints.retry_policy ? json(constraints.retry_policy) : null,
      timeout_seconds: body.timeout_seconds ?? constraints.timeout_seconds ?? null,
      time_to_start_seconds: body.time_to_start_seconds ?? constraints.time_to_start_seconds ?? null,
    });
    return viewTask(sql, (await getTaskRow(sql, id))!);
  });
}

export async function getTask(ctx: ServiceContext, id: number) {
  return ctx.store.read(async (sql) => viewTask(sql, await requireTask(sql, id)));
}

/**
 * `GET /tasks`. `run_id` alone keeps v1's answer (all of the run's tasks in id order, `status` applied
 * to them); any other query is a newest-first page through an index (store/ops/taskList.ts).
 */
export async function listTasks(ctx: ServiceContext, q: TaskListQuery): Promise<Page<TaskView>> {
  return ctx.store.read(async (sql) => {
    // v1: 404 for a run that does not exist (not an empty list).
    if (q.run_id !== undefined && !(await getRunRow(sql, q.run_id)))
      throw new AppError('WORKFLOW_RUN_NOT_FOUND', `workflow run ${q.run_id} not found`, { field: 'run_id' });
    const filter = { run_id: q.run_id, status: q.status, runner_id: q.runner_id, step_id: q.step_id };
    const v1RunList =
      q.run_id !== undefined &&
      q.before_id === undefined &&
      q.runner_id === undefined &&
      q.step_id === undefined;
    if (v1RunList) {
      const rows = (await listTaskRowsByRun(sql, q.run_id!)).filter(
        (r) => !q.status || r.status === q.status,
      );
      return {
        items: await Promise.all(rows.map((r) => viewTask(sql, r))),
        total: rows.length,
        nextBeforeId: null,
        position: null,
      };
    }
    const limit = q.limit ?? 1000;
    const { rows, nextBeforeId } = pageOf(await listTaskPage(sql, filter, q.before_id, limit + 1), limit);
    const items = await Promise.all(rows.map((r) => viewTask(sql, r)));
    const position =
      q.before_id === undefined ? NEWEST_PAGE : await tasksNewerThanPage(sql, filter, q.before_id, limit);
    return { items, total: await countTasks(sql, filter), nextBeforeId, position };
  });
}

export type TaskView = Awaited<ReturnType<typeof viewTask>>;

export async function cancelTask(ctx: ServiceContext, id: number, reason = 'canceled by operator') {
  const out = await ctx.store.tx(async (sql) => {
    const t = await requireTask(sql, id);
    const applied = await cancelTaskInTx(ctx, sql, t, reason);
    if (!applied.result.ok) throw new AppError('TASK_NOT_CANCELABLE', `task ${id} is already ${t.status}`);
    return viewTask(sql, applied.task);
  });
  ctx.kick();
  return out;
}

/** Manual dispatch (`POST /tasks/{id}/dispatch`), the first version's step-through behaviour. */
export async function dispatchTask(ctx: ServiceContext, id: number) {
  const claimed = await ctx.store.tx(async (sql) => {
    const t = await requireTask(sql, id);
    const r = await taskReadiness(ctx, sql, t);
    // A gated task refused for its approval (pending, or rejected: then it was canceled) is named as
    // the first version did, and the refusal recorded (committed).
    const gate = !r.ready && t.requires_approval ? await approvalRefusal(ctx, sql, t) : null;
    if (gate) return { refused: gate };
    // v1 answered 422 at dispatch for a workspace that no longer validates (a ready task only: a
    // task that cannot be dispatched anyway keeps its 409).
    if (r.ready) await checkModeAtDispatch(sql, t);
    if (!r.ready)
      throw new AppError('TASK_NOT_DISPATCHABLE', `task ${id} is not dispatchable: ${r.reason}`, {
        reason: r.reason,
      });
    const c = await claimForManualDispatch(ctx, sql, t);
    if (!c.runner) {
      const runners = c.slots.map((s) => describeRunner(s.runner));
      if (c.slots.some((s) => s.runner.liveness === 'online')) {
        // Busy, not broken: refuse without touching the task (the caller may try again).
        throw new AppError(
          'NO_RUNNER_AVAILABLE',
          `every online runner is at capacity; task ${id} stays ready`,
          { runners },
        );
      }
      // No runner online: the first version answered with a failed submission; we also record why.
      await applyTaskEvent(
        ctx,
        sql,
        t,
        { type: 'start-timeout' },
        {
          eventType: 'task.runner_submit_failed',
          payload: { error: 'no runner with free capacity is online' },
          patch: { message: 'no runner with free capacity is online' },
          failure: { step: 'submit', error: 'no runner with free capacity is online', runners },
        },
      );
      return { task: null, message: 'no runner with free capacity is online' };
    }
    const built = await buildPayload(ctx, sql, c.task);
    await insertEvent(
      sql,
      {
        event_type: 'task.prompt_assembled',
        run_id: t.run_id,
        task_id: t.id,
        payload: { attempt: c.task.attempt, prompt: ctx.redact(built.payload.prompt) },
      },
      iso(ctx.clock.now()),
    );
    return { task: c.task, built, message: '' };
  });
  if ('refused' in claimed) throw claimed.refused;
  if (!claimed.task || !claimed.built) {
    return {
      task_id: id,
      resolved_context7_enabled: null,
      runner_payload: null,
      runner_submission: {
        submitted: false,
        runner_url: null,
        runner_task_status: null,
        message: claimed.message,
      },
    };
  }
  const submission = await submitAttempt(ctx, id, claimed.task.attempt);
  return {
    task_id: id,
    attempt: claimed.task.attempt,
    resolved_context7_enabled: claimed.built.context7,
    // What the operator sees, redacted; the runner got the payload as built (its agent needs the prompt).
    runner_payload: redactDeep({ ...claimed.built.payload, status_callback_token: REDACTED }, ctx.redact),
    runner_submission: submission,
  };
}

export async function taskAudit(ctx: ServiceContext, id: number) {
  return ctx.store.read(async (sql) => {
    const t = await requireTask(sql, id);
    const events = await listEvents(sql, { task_id: id, limit: 10_000 });
    const prompts = events.filter((e) => e.event_type === 'task.prompt_assembled');
    const attempts = await listAttempts(sql, id);
    return {
      task_id: id,
      ...(await v1AuditFields(sql, t, attempts, events)),
      task: await viewTask(sql, t),
      attempts: attempts.map(attemptView),
      events,
      prompt: prompts.length ? prompts[prompts.length - 1]!.payload.prompt : null,
    };
  });
}

export async function taskApproval(ctx: ServiceContext, id: number) {
  return ctx.store.read(async (sql) => {
    await requireTask(sql, id);
    const a = await getApprovalByTask(sql, id);
    if (!a) throw new AppError('APPROVAL_NOT_FOUND', `task ${id} has no approval gate`);
    return approvalView(a);
  });
}

/**
 * A task's locks are released together (one flag), so a `paths` list cannot pick some of them: it must
 * name exactly the held ones, or the request is refused rather than half-honoured.
 */
function assertSamePaths(expected: string[], held: string[]): void {
  const want = new Set(expected.map((p) => p.replace(/\/+$/, '') || '/'));
  if (want.size === held.length && held.every((p) => want.has(p))) return;
  throw new AppError(
    'VALIDATION_FAILED',
    `paths: a task's locks are released all together; it holds ${held.length ? held.join(', ') : 'none'}` +
      ' — send exactly those, or no body',
    { field: 'paths' },
  );
}

export async function releaseLocks(ctx: ServiceContext, id: number, expected?: string[]) {
  return ctx.store.tx(async (sql) => {
    const t = await requireTask(sql, id);
    // Only the locks the task holds (an active task's), as v1 released only what it had taken.
    const paths = isActiveTask(t.status) && !t.locks_released ? parseJson<string[]>(t.lock_paths, []) : [];
    if (expected !== undefined) assertSamePaths(expected, paths);
    if (paths.length) {
      const nowIso = iso(ctx.clock.now());
      await updateTask(sql, id, { locks_released: 1 }, nowIso);
      await insertEvent(
        sql,
        { event_type: 'task.locks_released', run_id: t.run_id, task_id: id, payload: { paths } },
        nowIso,
      );
      ctx.kick();
    }
    return { task_id: id, released_paths: paths };
  });
}

export async function taskHandoff(ctx: ServiceContext, id: number) {
  return ctx.store.read(async (sql) => {
    await requireTask(sql, id);
    const h = await latestHandoff(sql, id);
    if (!h) throw new AppError('HANDOFF_NOT_FOUND', `task ${id} has no handoff`);
    // The first version answered the handoff itself; `handoff` keeps the wrapped form ours had.
    return { ...h, handoff: h };
  });
}
