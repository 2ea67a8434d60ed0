/**
 * The assistant façade (`POST /assistant/intents/plan|start|status|report`): the first version's
 * chat-friendly answers with a `machine_summary`, built on the same services as everything else —
 * runs are created by services/runs.ts, dispatched by the one manual dispatch, judged by the one
 * readiness rule. No second code path.
 */
import {
  DEFAULT_QUALITY_GATE_POLICY,
  type AssistantPhase,
  type AssistantPlanBody,
  type AssistantReportBody,
  type AssistantStartBody,
  type AssistantStatusBody,
} from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError, coerceError } from '../lib/errors.js';
import { storedStep } from '../domain/qualityGates.js';
import { isTerminalTask, isUnsuccessfulTask } from '../domain/taskMachine.js';
import { getApprovalByTask } from '../store/ops/approvals.js';
import { listArtifacts } from '../store/ops/artifacts.js';
import { insertEvent, listEvents } from '../store/ops/events.js';
import { listHandoffs } from '../store/ops/handoffs.js';
import { getRunRow, type RunRow } from '../store/ops/runs.js';
import { getTaskRow, listTaskRowsByRun, type TaskRow } from '../store/ops/tasks.js';
import { getTemplateRow } from '../store/ops/templates.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { taskReadiness } from './readiness.js';
import { createRun, requireRun, runView } from './runs.js';
import { dispatchTask, viewTask } from './tasks.js';
import { stepMode } from './worktrees.js';

const last = <T>(xs: readonly T[], n: number) => xs.slice(Math.max(0, xs.length - n));
const uniq = <T>(xs: readonly T[]) => [...new Set(xs)];

async function planSteps(sql: Sql, body: AssistantPlanBody) {
  const tpl = await getTemplateRow(sql, body.workflow_template_id);
  if (!tpl)
    throw new AppError(
      'WORKFLOW_TEMPLATE_NOT_FOUND',
      `workflow template ${body.workflow_template_id} not found`,
      {
        field: 'workflow_template_id',
      },
    );
  const steps = parseJson<unknown[]>(tpl.steps, []).map(storedStep);
  const unknown = Object.keys(body.step_task_overrides).filter((k) => !steps.some((s) => s.step_id === k));
  if (unknown.length)
    throw new AppError('VALIDATION_FAILED', `unknown workflow step overrides: ${unknown.sort().join(', ')}`, {
      field: 'step_task_overrides',
    });
  return steps.map((s) => {
    const o = body.step_task_overrides[s.step_id] ?? {};
    return {
      step_id: s.step_id,
      role_id: s.role_id,
      title: o.title ?? s.title,
      depends_on: s.depends_on,
      required_artifacts: s.required_artifacts,
      quality_gate_policy: s.quality_gate_policy ?? DEFAULT_QUALITY_GATE_POLICY,
      task_config: {
        context7_mode: o.context7_mode ?? 'inherit',
        execution_mode: stepMode(tpl, o.execution_mode),
        requires_approval: o.requires_approval ?? s.requires_approval ?? false,
        project_id: tpl.project_id,
        lock_paths: o.lock_paths ?? [],
        sandbox: null,
      },
    };
  });
}

type PlannedStep = Awaited<ReturnType<typeof planSteps>>[number];

function planSummary(templateId: number, steps: readonly PlannedStep[]) {
  return {
    ...emptySummary('plan'),
    workflow_template_id: templateId,
    total_tasks: steps.length,
    task_status_counts: steps.length ? { planned: steps.length } : {},
    planned_step_ids: steps.map((s) => s.step_id),
    planned_approval_step_ids: steps.filter((s) => s.task_config.requires_approval).map((s) => s.step_id),
  };
}

function emptySummary(phase: AssistantPhase) {
  return {
    contract_version: 'v1' as const,
    phase,
    run_id: null as number | null,
    workflow_template_id: null as number | null,
    workflow_status: null as string | null,
    total_tasks: 0,
    task_status_counts: {} as Record<string, number>,
    ready_task_ids: [] as number[],
    blocked_by_approval_task_ids: [] as number[],
    terminal_task_ids: [] as number[],
    failed_task_ids: [] as number[],
    produced_artifact_ids: [] as number[],
    handoff_task_ids: [] as number[],
    planned_step_ids: [] as string[],
    planned_approval_step_ids: [] as string[],
    recent_event_types: [] as string[],
  };
}

/** Ready tasks and tasks held only by their approval, by the one readiness rule. */
async function candidates(ctx: ServiceContext, sql: Sql, tasks: readonly TaskRow[]) {
  const ready: number[] = [];
  const byApproval: number[] = [];
  for (const t of tasks) {
    if (t.status !== 'created') continue;
    const r = await taskReadiness(ctx, sql, t);
    if (r.ready) ready.push(t.id);
    else if (r.reason === 'approval pending' || r.reason === 'approval rejected') byApproval.push(t.id);
  }
  return { ready, byApproval };
}

async function machineSummary(
  ctx: ServiceContext,
  sql: Sql,
  run: RunRow,
  phase: AssistantPhase,
  pre?: { events: Array<{ event_type: string }>; artifactIds: number[]; handoffTaskIds: number[] },
) {
  const tasks = await listTaskRowsByRun(sql, run.id);
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const c = await candidates(ctx, sql, tasks);
  const events = pre?.events ?? last(await listEvents(sql, { run_id: run.id, limit: 100_000 }), 50);
  return {
    ...emptySummary(phase),
    run_id: run.id,
    workflow_template_id: run.workflow_template_id,
    workflow_status: run.status,
    total_tasks: tasks.length,
    task_status_counts: counts,
    ready_task_ids: c.ready,
    blocked_by_approval_task_ids: c.byApproval,
    terminal_task_ids: tasks.filter((t) => isTerminalTask(t.status)).map((t) => t.id),
    failed_task_ids: tasks.filter((t) => isUnsuccessfulTask(t.status)).map((t) => t.id),
    produced_artifact_ids:
      pre?.artifactIds ??
      uniq(last(await listArtifacts(sql, { run_id: run.id, limit: 100_000 }), 200).map((a) => a.id)),
    handoff_task_ids:
      pre?.handoffTaskIds ??
      uniq(last(await listHandoffs(sql, { run_id: run.id }), 200).map((h) => h.task_id)),
    recent_event_types: uniq(last(events, 20).map((e) => e.event_type)),
  };
}

export async function assistantPlan(ctx: ServiceContext, body: AssistantPlanBody) {
  const steps = await ctx.store.read((sql) => planSteps(sql, body));
  return {
    workflow_template_id: body.workflow_template_id,
    initiated_by: body.initiated_by,
    steps,
    machine_summary: planSummary(body.workflow_template_id, steps),
  };
}

export async function assistantStart(ctx: ServiceContext, body: AssistantStartBody) {
  const steps = await ctx.store.read((sql) => planSteps(sql, body));
  const created = await createRun(ctx, {
    workflow_template_id: body.workflow_template_id,
    task_ids: [],
    initiated_by: body.initiated_by,
    step_task_overrides: body.step_task_overrides,
  });
  const dispatches: Awaited<ReturnType<typeof dispatchTask>>[] = [];
  const scheduled: number[] = [];
  const errors: Array<{ task_id: number; code: string; detail: string }> = [];
  let blocked: number[] = [];
  if (body.dispatch_ready) {
    const c = await ctx.store.tx(async (sql) => {
      const found = await candidates(ctx, sql, await listTaskRowsByRun(sql, created.id));
      for (const id of found.byApproval) {
        const a = await getApprovalByTask(sql, id);
        await insertEvent(
          sql,
          {
            event_type: 'task.dispatch_blocked_by_approval',
            run_id: created.id,
            task_id: id,
            payload: { approval_id: a?.id ?? null, status: a?.status ?? null },
          },
          iso(ctx.clock.now()),
        );
      }
      return found;
    });
    blocked = c.byApproval;
    for (const id of c.ready) {
      try {
        dispatches.push(await dispatchTask(ctx, id));
      } catch (err) {
        // Under the scheduler (auto mode) it may have started the task first: it is under way.
        const t = await ctx.store.read((sql) => getTaskRow(sql, id));
        if (ctx.config.dispatchMode === 'auto' && t && t.status !== 'created') {
          scheduled.push(id);
          continue;
        }
        // Refused (e.g. every runner is full): the task stays ready, the run stands.
        const e = coerceError(err);
        errors.push({
          task_id: id,
          code: e.code,
          detail: typeof e.detail === 'string' ? e.detail : e.message,
        });
      }
    }
  }
  return ctx.store.read(async (sql) => {
    const run = (await getRunRow(sql, created.id))!;
    return {
      run: await runView(ctx, sql, run),
      steps,
      dispatches,
      blocked_by_approval_task_ids: blocked,
      /** Ours: ready tasks the scheduler started before this call could (auto dispatch mode). */
      scheduled_task_ids: scheduled,
      /** Ours: ready tasks whose dispatch was refused (they stay ready). */
      dispatch_errors: errors,
      machine_summary: await machineSummary(ctx, sql, run, 'start'),
    };
  });
}

export async function assistantStatus(ctx: ServiceContext, body: AssistantStatusBody) {
  return ctx.store.read(async (sql) => {
    const run = await requireRun(sql, body.run_id);
    const tasks = body.include_tasks ? await listTaskRowsByRun(sql, run.id) : [];
    return {
      run: await runView(ctx, sql, run),
      tasks: await Promise.all(tasks.map((t) => viewTask(sql, t))),
      machine_summary: await machineSummary(ctx, sql, run, 'status'),
    };
  });
}

export async function assistantReport(ctx: ServiceContext, body: AssistantReportBody) {
  return ctx.store.read(async (sql) => {
    const run = await requireRun(sql, body.run_id);
    const events = last(await listEvents(sql, { run_id: run.id, limit: 100_000 }), body.event_limit);
    const artifacts = last(await listArtifacts(sql, { run_id: run.id, limit: 100_000 }), body.artifact_limit);
    const handoffs = last(await listHandoffs(sql, { run_id: run.id }), body.handoff_limit);
    return {
      run: await runView(ctx, sql, run),
      tasks: await Promise.all((await listTaskRowsByRun(sql, run.id)).map((t) => viewTask(sql, t))),
      events,
      artifacts,
      handoffs,
      machine_summary: await machineSummary(ctx, sql, run, 'report', {
        events,
        artifactIds: uniq(artifacts.map((a) => a.id)),
        handoffTaskIds: uniq(handoffs.map((h) => h.task_id)),
      }),
    };
  });
}
