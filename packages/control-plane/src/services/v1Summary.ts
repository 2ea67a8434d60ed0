/**
 * `GET /workflow-runs/{id}/execution-summary` in the first version's shape (run, counts, progress,
 * branch cards, next dispatch plan, per-task timeline and task summaries), plus our own fields. The
 * timeline maps a task to its step by the step id recorded on the task at run creation, never by its
 * position in the (possibly edited) template.
 */
import type { Artifact } from '@multyagents/contracts';
import { isTerminalRun } from '../domain/runMachine.js';
import { isActiveTask, isTerminalTask, isUnsuccessfulTask } from '../domain/taskMachine.js';
import { listArtifacts } from '../store/ops/artifacts.js';
import { listEvents } from '../store/ops/events.js';
import { listHandoffs } from '../store/ops/handoffs.js';
import { listTaskRowsByRun, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { requireRun, runView } from './runs.js';
import { viewTask } from './tasks.js';
import { runGateSummaries } from './v1Gates.js';
import { consumedArtifacts, planV1, type V1Plan } from './v1Plan.js';
import { durationMs } from './views.js';

const pct = (part: number, whole: number) => (whole ? Math.round((10_000 * part) / whole) / 100 : 0);

export async function executionSummary(ctx: ServiceContext, id: number) {
  return ctx.store.read((sql) => executionSummaryIn(ctx, sql, id));
}

export async function executionSummaryIn(ctx: ServiceContext, sql: Sql, id: number) {
  const r = await requireRun(sql, id);
  const tasks = await listTaskRowsByRun(sql, id);
  const ids = (pred: (t: TaskRow) => boolean) => tasks.filter(pred).map((t) => t.id);
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const successful = ids((t) => t.status === 'success');
  const failed = ids((t) => isUnsuccessfulTask(t.status));
  const active = ids((t) => isActiveTask(t.status));
  const pending = ids((t) => t.status === 'created');
  const plan = await planV1(ctx, sql, r, tasks, { max: Math.max(tasks.length, 1) });
  const artifacts = await listArtifacts(sql, { run_id: id, limit: 10_000 });
  const handoffs = new Map((await listHandoffs(sql, { run_id: id })).map((h) => [h.task_id, h]));
  const gates = await runGateSummaries(sql, id, tasks);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const terminal = tasks.filter((t) => isTerminalTask(t.status)).length;
  const events = await listEvents(sql, { run_id: id, limit: 10_000 });
  return {
    run: await runView(ctx, sql, r, tasks),
    task_status_counts: counts,
    terminal: isTerminalRun(r.status),
    partial_completion: successful.length > 0 && successful.length < tasks.length,
    progress_percent: pct(successful.length + failed.length, tasks.length),
    branch_status_cards: {
      active: active.length,
      blocked: failed.length + pending.length,
      done: successful.length,
    },
    next_dispatch: plan,
    successful_task_ids: successful,
    failed_task_ids: failed,
    active_task_ids: active,
    pending_task_ids: pending,
    timeline: tasks.map((t) => timelineEntry(t, byId, plan)),
    tasks: await Promise.all(
      tasks.map(async (t) => ({
        ...(await viewTask(sql, t)),
        task_id: t.id,
        runner_message: t.message,
        consumed_artifact_ids: consumedArtifacts(t, tasks, artifacts),
        produced_artifact_ids: producedBy(t.id, artifacts),
        handoff_summary: handoffs.get(t.id)?.summary ?? null,
        quality_gate_summary: gates.byTask.get(t.id)!,
      })),
    ),
    // Ours.
    run_id: id,
    status: r.status,
    counts,
    progress: {
      total: tasks.length,
      terminal,
      succeeded: successful.length,
      percent: tasks.length ? Math.round((100 * terminal) / tasks.length) : 0,
    },
    events: events.map((e) => ({
      id: e.id,
      event_type: e.event_type,
      task_id: e.task_id,
      created_at: e.created_at,
      payload: e.payload,
    })),
    duration_ms: durationMs(r.started_at, r.finished_at, ctx.clock.now()),
  };
}

function timelineEntry(t: TaskRow, byId: ReadonlyMap<number, TaskRow>, plan: V1Plan) {
  const deps = parseJson<number[]>(t.depends_on, []).map((d) => byId.get(d)?.step_id ?? `task-${d}`);
  const own = t.step_id ?? `task-${t.id}`;
  const state = t.status === 'success' ? 'done' : isActiveTask(t.status) ? 'active' : 'blocked';
  const blockedReasons =
    state !== 'blocked'
      ? []
      : t.status === 'created'
        ? plan.blocked.filter((b) => b.task_id === t.id).map((b) => b.reason)
        : [`task-${t.status}`];
  return {
    task_id: t.id,
    branch: deps.length ? deps.join(',') : own,
    owner_role_id: t.role_id,
    stage_id: own,
    stage: t.title,
    stage_state: state,
    progress_percent: t.status === 'success' ? 100 : 0,
    blocked_reasons: blockedReasons,
  };
}

function producedBy(taskId: number, artifacts: readonly Artifact[]): number[] {
  return artifacts.filter((a) => a.producer_task_id === taskId).map((a) => a.id);
}
