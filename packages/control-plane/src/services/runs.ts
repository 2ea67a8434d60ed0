import type {
  AgentSummary,
  RunCounts,
  RunListQuery,
  RunStatus,
  WorkflowRunCreate,
  WorkflowStep,
} from '@multyagents/contracts';
import { MERGE_STEP_ID, RUN_STATUSES } from '@multyagents/contracts';
import { storedStep } from '../domain/qualityGates.js';
import { emptyTotals, sumUsage } from '../domain/pricing.js';
import { runAttemptAgents } from '../store/ops/attempts.js';
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { topoOrder } from '../domain/dag.js';
import type { RunOperatorEvent } from '../domain/runMachine.js';
import { getRole } from '../store/ops/roles.js';
import { getTemplateRow } from '../store/ops/templates.js';
import { insertEvent } from '../store/ops/events.js';
import {
  countRuns,
  countRunsByStatus,
  getRunRow,
  insertRun,
  listRunPage,
  runsNewerThanPage,
  type RunRow,
} from '../store/ops/runs.js';
import {
  getTaskRow,
  listTaskRowsByRun,
  setDependencies,
  updateTask,
  type TaskRow,
} from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { json, parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { NEWEST_PAGE, pageOf, type Page } from './page.js';
import { applyRunEvent } from './lifecycle.js';
import { checkStepMode } from './executionModes.js';
import { insertTaskWithEvents } from './tasks.js';
import { durationMs, runBaseView } from './views.js';
import { withV1RunFields } from './v1RunFields.js';
import { runRollup, type RollupTask } from './v1Rollup.js';
import { addMergeTask, ISOLATED, planRunWorktree, stepMode, type RunWorktreePlan } from './worktrees.js';

export async function requireRun(sql: Sql, id: number): Promise<RunRow> {
  const r = await getRunRow(sql, id);
  if (!r) throw new AppError('WORKFLOW_RUN_NOT_FOUND', `workflow run ${id} not found`);
  return r;
}

/** What a run's view needs of each of its tasks. */
type RunViewTask = RollupTask &
  Pick<
    TaskRow,
    | 'exit_code'
    | 'failure_category'
    | 'failure_hints'
    | 'suggested_actions'
    | 'step_id'
    | 'depends_on'
    | 'required_artifacts'
  >;

/**
 * Run view with every computed field clients of the first version read. `known` are the run's tasks
 * when the caller already holds them (a run just created), in task id order; otherwise they are read.
 */
export async function runView(ctx: ServiceContext, sql: Sql, r: RunRow, known?: RunViewTask[]) {
  const tasks: RunViewTask[] = known ?? (await listTaskRowsByRun(sql, r.id));
  const failed = tasks.filter((t) => t.failure_category && t.status !== 'success');
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  // A run just created has no attempt yet (`known`): nothing to read.
  const usage = sumUsage(
    known
      ? []
      : (await runAttemptAgents(sql, r.id)).flatMap((a) => {
          const agent = parseJson<AgentSummary | null>(a.agent, null);
          return agent ? [{ role_id: a.role_id, agent }] : [];
        }),
  );
  const { task_gates: _gates, exhausted_hint, ...rollup } = await runRollup(sql, r, tasks, ctx.clock.now());
  const view = {
    ...runBaseView(r),
    task_ids: tasks.map((t) => t.id),
    failure_categories: uniq(failed.map((t) => t.failure_category!)),
    failure_triage_hints: uniq([
      ...failed.flatMap((t) => parseJson<string[]>(t.failure_hints, [])),
      ...(exhausted_hint ? [exhausted_hint] : []),
    ]),
    suggested_next_actions: uniq(failed.flatMap((t) => parseJson<string[]>(t.suggested_actions, []))),
    duration_ms: durationMs(r.started_at, r.finished_at, ctx.clock.now()),
    ...rollup,
    usage: {
      ...usage.total,
      per_role: rollup.per_role.map(({ role_id }) => ({
        role_id,
        ...(usage.byRole.get(role_id) ?? emptyTotals()),
      })),
    },
  };
  return withV1RunFields(view, tasks);
}

type Override = WorkflowRunCreate['step_task_overrides'][string];

/**
 * Parsed steps by their stored JSON text: a template is parsed and validated once, not on every run
 * it starts. Keyed by the text itself, so an updated template is parsed afresh; bounded.
 */
const parsedSteps = new Map<string, WorkflowStep[]>();
const PARSED_STEPS_MAX = 256;

function stepsOf(text: string): WorkflowStep[] {
  let steps = parsedSteps.get(text);
  if (!steps) {
    steps = parseJson<unknown[]>(text, []).map(storedStep);
    if (parsedSteps.size >= PARSED_STEPS_MAX) parsedSteps.delete(parsedSteps.keys().next().value!);
    parsedSteps.set(text, steps);
  }
  return steps;
}

/** Thrown inside the create transaction: the run has isolated-worktree steps and no plan yet. */
class NeedsWorktreePlan extends Error {}

export async function createRun(ctx: ServiceContext, body: WorkflowRunCreate) {
  // Most runs need no git: they are created in one transaction. A run with isolated-worktree steps
  // finds that out there, and is created again with the plan made outside it (git is asked outside
  // any transaction). Reading the template up front for every create cost a queued read per run.
  let plan: RunWorktreePlan | null = null;
  const attempt = () =>
    ctx.store.tx(async (sql) => {
      const nowIso = iso(ctx.clock.now());
      if (body.workflow_template_id != null) return createFromTemplate(ctx, sql, body, nowIso, plan);
      return createFromTasks(ctx, sql, body, nowIso);
    });
  let out: Awaited<ReturnType<typeof attempt>>;
  try {
    out = await attempt();
  } catch (err) {
    if (!(err instanceof NeedsWorktreePlan)) throw err;
    plan = await planRunWorktree(ctx, body, stepsOf);
    try {
      out = await attempt();
    } catch (again) {
      if (!(again instanceof NeedsWorktreePlan)) throw again;
      throw new AppError(
        'RUN_STATE_CONFLICT',
        'the workflow template changed while the run was being created; try again',
      );
    }
  }
  ctx.kick();
  return out;
}

async function createFromTemplate(
  ctx: ServiceContext,
  sql: Sql,
  body: WorkflowRunCreate,
  nowIso: string,
  plan: RunWorktreePlan | null,
) {
  const tpl = await getTemplateRow(sql, body.workflow_template_id!);
  if (!tpl)
    throw new AppError(
      'WORKFLOW_TEMPLATE_NOT_FOUND',
      `workflow template ${body.workflow_template_id} not found`,
      { field: 'workflow_template_id' },
    );
  const steps = stepsOf(tpl.steps);
  for (const key of Object.keys(body.step_task_overrides)) {
    if (!steps.some((s) => s.step_id === key)) {
      throw new AppError('VALIDATION_FAILED', `step_task_overrides: unknown step '${key}'`, {
        field: `step_task_overrides.${key}`,
      });
    }
  }
  const modes = new Map(
    steps.map((s) => [s.step_id, stepMode(tpl, body.step_task_overrides[s.step_id]?.execution_mode)]),
  );
  const isolated = [...modes.values()].includes(ISOLATED);
  if (isolated && plan === null) throw new NeedsWorktreePlan();
  // The plan was made from a read before this transaction: the template must still ask for the same.
  if (isolated !== (plan !== null))
    throw new AppError(
      'RUN_STATE_CONFLICT',
      `workflow template ${tpl.id} changed while the run was being created; try again`,
    );
  const runId = await insertRun(
    sql,
    {
      workflow_template_id: tpl.id,
      project_id: tpl.project_id,
      initiated_by: body.initiated_by ?? null,
      worktree: plan?.fields ?? null,
    },
    nowIso,
  );
  await insertEvent(
    sql,
    {
      event_type: 'workflow_run.created',
      run_id: runId,
      payload: { workflow_template_id: tpl.id, initiated_by: body.initiated_by ?? null },
    },
    nowIso,
  );
  const idByStep = new Map<string, number>();
  const fresh: RunViewTask[] = [];
  const roles = new Map<number, Awaited<ReturnType<typeof getRole>>>();
  // Tasks are inserted in step order (task_ids follow it); dependencies are wired once all exist.
  for (const s of steps) {
    if (!roles.has(s.role_id)) roles.set(s.role_id, await getRole(sql, s.role_id));
    const role = roles.get(s.role_id);
    if (!role)
      throw new AppError('UNKNOWN_REFERENCE', `role ${s.role_id} of step '${s.step_id}' no longer exists`, {
        field: 'workflow_template_id',
      });
    const constraints = role.execution_constraints;
    const o: Override = body.step_task_overrides[s.step_id] ?? {};
    const ws = await checkStepMode(sql, tpl, s.step_id, o, modes.get(s.step_id)!);
    const policy = s.retry_policy ?? constraints.retry_policy ?? null;
    const id = await insertTaskWithEvents(ctx, sql, {
      run_id: runId,
      step_id: s.step_id,
      role_id: s.role_id,
      project_id: ws.project_id,
      title: o.title ?? s.title,
      description: o.description ?? s.description ?? null,
      context7_mode: o.context7_mode ?? 'inherit',
      execution_mode: modes.get(s.step_id)!,
      requires_approval: (o.requires_approval ?? s.requires_approval ?? false) ? 1 : 0,
      lock_paths: json(ws.lock_paths),
      sandbox: ws.sandbox ? json(ws.sandbox) : null,
      quality_gate_policy: s.quality_gate_policy ? json(s.quality_gate_policy) : null,
      executor_params:
        o.executor_params || s.executor_params ? json({ ...s.executor_params, ...o.executor_params }) : null,
      depends_on: '[]',
      required_artifacts: json(s.required_artifacts),
      retry_policy: policy ? json(policy) : null,
      timeout_seconds: o.timeout_seconds ?? s.timeout_seconds ?? constraints.timeout_seconds ?? null,
      time_to_start_seconds:
        o.time_to_start_seconds ?? s.time_to_start_seconds ?? constraints.time_to_start_seconds ?? null,
    });
    idByStep.set(s.step_id, id);
    fresh.push({
      id,
      run_id: runId,
      role_id: s.role_id,
      status: 'created',
      attempt: 0,
      retries_used: 0,
      requires_approval: (o.requires_approval ?? s.requires_approval ?? false) ? 1 : 0,
      started_at: null,
      finished_at: null,
      exit_code: null,
      failure_category: null,
      failure_hints: '[]',
      suggested_actions: '[]',
      quality_gate_policy: s.quality_gate_policy ? json(s.quality_gate_policy) : null,
      step_id: s.step_id,
      depends_on: '[]', // set below, once every step has its task id
      required_artifacts: json(s.required_artifacts),
    });
  }
  for (const s of steps) {
    const task = fresh.find((f) => f.step_id === s.step_id)!;
    task.depends_on = json(s.depends_on.map((d) => idByStep.get(d)!));
  }
  for (const s of topoOrder(steps)) {
    if (s.depends_on.length)
      await setDependencies(
        sql,
        idByStep.get(s.step_id)!,
        s.depends_on.map((d) => idByStep.get(d)!),
        nowIso,
      );
  }
  if (plan?.merge.enabled) {
    const last = steps[steps.length - 1]!;
    const id = await addMergeTask(ctx, sql, { id: runId, project_id: tpl.project_id }, plan, last, [
      ...idByStep.values(),
    ]);
    fresh.push({
      id,
      run_id: runId,
      role_id: last.role_id,
      status: 'created',
      attempt: 0,
      retries_used: 0,
      requires_approval: plan.merge.requires_approval ? 1 : 0,
      started_at: null,
      finished_at: null,
      exit_code: null,
      failure_category: null,
      failure_hints: '[]',
      suggested_actions: '[]',
      quality_gate_policy: null,
      step_id: MERGE_STEP_ID,
      depends_on: json([...idByStep.values()]),
      required_artifacts: '[]',
    });
  }
  // Nothing else has touched the new tasks yet: the view needs no second read of them.
  return runView(ctx, sql, (await getRunRow(sql, runId))!, fresh);
}

async function createFromTasks(ctx: ServiceContext, sql: Sql, body: WorkflowRunCreate, nowIso: string) {
  const rows: TaskRow[] = [];
  for (const [i, id] of body.task_ids.entries()) {
    const t = await getTaskRow(sql, id);
    if (!t) throw new AppError('TASK_NOT_FOUND', `task ${id} not found`, { field: `task_ids[${i}]` });
    if (t.run_id !== null)
      throw new AppError('RUN_STATE_CONFLICT', `task ${id} already belongs to run ${t.run_id}`, {
        field: `task_ids[${i}]`,
      });
    if (t.status !== 'created' || t.attempt > 0)
      throw new AppError('TASK_NOT_DISPATCHABLE', `task ${id} is ${t.status}`, { field: `task_ids[${i}]` });
    if (t.execution_mode === ISOLATED && !t.base_sha)
      throw new AppError('WORKSPACE_NOT_GIT', `task ${id} is isolated-worktree but has no recorded base`, {
        field: `task_ids[${i}]`,
      });
    rows.push(t);
  }
  if (new Set(body.task_ids).size !== body.task_ids.length)
    throw new AppError('VALIDATION_FAILED', 'task_ids has duplicates', { field: 'task_ids' });
  const runId = await insertRun(
    sql,
    {
      workflow_template_id: null,
      project_id: rows[0]?.project_id ?? null,
      initiated_by: body.initiated_by ?? null,
    },
    nowIso,
  );
  await insertEvent(
    sql,
    {
      event_type: 'workflow_run.created',
      run_id: runId,
      payload: { task_ids: body.task_ids, initiated_by: body.initiated_by ?? null },
    },
    nowIso,
  );
  for (const t of rows) await updateTask(sql, t.id, { run_id: runId }, nowIso);
  return runView(ctx, sql, (await getRunRow(sql, runId))!);
}

export async function getRun(ctx: ServiceContext, id: number) {
  return ctx.store.read(async (sql) => runView(ctx, sql, await requireRun(sql, id)));
}

/**
 * `GET /workflow-runs`: one page costs its own rows (limit + 1 read through an index, a view per run
 * on the page) and one COUNT, whatever the store holds; a page after the newest also counts the
 * newer rows and reads the newer page's cursor (one read: the position agrees with the page).
 */
export async function listRuns(ctx: ServiceContext, q: RunListQuery): Promise<Page<RunView>> {
  const limit = q.limit ?? 200;
  const filter = {
    status: q.status,
    workflow_template_id: q.workflow_template_id,
    initiated_by: q.initiated_by,
  };
  return ctx.store.read(async (sql) => {
    const { rows, nextBeforeId } = pageOf(await listRunPage(sql, filter, q.before_id, limit + 1), limit);
    const items = await Promise.all(rows.map((r) => runView(ctx, sql, r)));
    const position =
      q.before_id === undefined ? NEWEST_PAGE : await runsNewerThanPage(sql, filter, q.before_id, limit);
    return { items, total: await countRuns(sql, filter), nextBeforeId, position };
  });
}

export type RunView = Awaited<ReturnType<typeof runView>>;

/** `GET /workflow-runs/counts`: one GROUP BY (over workflow_runs_status), every status present. */
export async function runCounts(ctx: ServiceContext): Promise<RunCounts> {
  const rows = await ctx.store.read((sql) => countRunsByStatus(sql));
  const byStatus = Object.fromEntries(RUN_STATUSES.map((st) => [st, 0])) as Record<RunStatus, number>;
  for (const r of rows) if (r.status in byStatus) byStatus[r.status as RunStatus] = r.n;
  return { total: rows.reduce((n, r) => n + r.n, 0), by_status: byStatus };
}

export async function operate(
  ctx: ServiceContext,
  id: number,
  event: RunOperatorEvent,
  actor?: string,
  reason?: string,
) {
  const out = await ctx.store.tx(async (sql) => {
    await applyRunEvent(ctx, sql, await requireRun(sql, id), event, { actor, reason });
    return runView(ctx, sql, (await getRunRow(sql, id))!);
  });
  ctx.kick();
  return out;
}
