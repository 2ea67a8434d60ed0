/**
 * `GET /tasks/stuck`: tasks that have waited longer than a threshold for something that should have
 * happened by itself, with the reason and the time they have waited since (docs/architecture.md,
 * "Stuck tasks"). Read-only: it names what to look at; the sweeper and the operator act.
 */
import type { StuckReason, StuckTasksQuery } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { listRunners, type RunnerRow } from '../store/ops/runners.js';
import {
  activeCandidates,
  lastDispatchBlocked,
  readyCandidates,
  undeliveredCancels,
  type ActiveCandidate,
  type ReadyCandidate,
} from '../store/ops/stuck.js';
import { getTaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { runnerSlots } from './placement.js';
import { taskReadiness } from './readiness.js';
import { viewTask } from './tasks.js';

/** Ready tasks looked at per call, oldest id first (a backlog larger than this is stuck anyway). */
const READY_SCAN = 10_000;
const DEFAULT_LIMIT = 100;

interface Found {
  taskId: number;
  reason: StuckReason;
  since: number;
  /** Filled in for the listed ones only. */
  detail: (sql: Sql) => Promise<string>;
}

const ms = (t: string | null | undefined) => (t ? Date.parse(t) : NaN);
/** The latest of the given times (ISO text or epoch ms); missing ones are ignored. */
function latest(...times: Array<string | number | null | undefined>): number {
  const xs = times.map((t) => (typeof t === 'number' ? t : ms(t))).filter((x) => Number.isFinite(x));
  return xs.length ? Math.max(...xs) : NaN;
}

export async function stuckTasks(ctx: ServiceContext, q: StuckTasksQuery) {
  const thresholdMs = (q.older_than_s ?? ctx.config.stuckAfterS) * 1000;
  const limit = q.limit ?? DEFAULT_LIMIT;
  return ctx.store.read(async (sql) => {
    const now = ctx.clock.now();
    const runners = new Map((await listRunners(sql)).map((r) => [r.id, r]));
    const found = [
      ...(await readyCandidates(sql, now, READY_SCAN)).map((c) => notDispatched(ctx, c, runners)),
      ...(await activeCandidates(sql)).map((c) => active(c, runners)),
      ...(await undeliveredCancels(sql)).map((c): Found => ({
        taskId: c.task_id,
        reason: 'cancel-pending',
        since: ms(c.created_at),
        detail: async () =>
          `canceled; ${runnerText(runners.get(c.runner_id), c.runner_id)} has not been told to stop attempt ${c.attempt}`,
      })),
    ];
    // One entry per task: a canceled task with an undelivered cancel is no longer active, but an old
    // `cancel-requested` row may have both; the oldest reason wins.
    const byTask = new Map<number, Found>();
    for (const f of found) {
      if (!Number.isFinite(f.since) || now - f.since < thresholdMs) continue;
      const seen = byTask.get(f.taskId);
      if (!seen || f.since < seen.since) byTask.set(f.taskId, f);
    }
    const listed = [...byTask.values()]
      .sort((a, b) => a.since - b.since || a.taskId - b.taskId)
      .slice(0, limit);
    const out = [];
    for (const f of listed) {
      const row = await getTaskRow(sql, f.taskId);
      if (!row) continue;
      out.push({
        task: await viewTask(sql, row),
        reason: f.reason,
        since: iso(f.since),
        age_ms: now - f.since,
        detail: await f.detail(sql),
      });
    }
    return out;
  });
}

function runnerText(r: RunnerRow | undefined, id: number | null): string {
  if (!r) return id === null ? 'no runner' : `runner ${id} (no longer registered)`;
  const state = r.draining ? 'draining' : r.liveness;
  return `runner ${r.name} (${state})`;
}

/**
 * Ready since the latest of: created, its last dependency finished, its approval was decided, its
 * backoff ended, its previous attempt ended, its run last changed (a resume).
 */
function notDispatched(ctx: ServiceContext, c: ReadyCandidate, runners: Map<number, RunnerRow>): Found {
  const gated = c.requires_approval === 1 && c.approval_status !== 'approved';
  return {
    taskId: c.id,
    reason: 'not-dispatched',
    // A task waiting for its approval is not stuck (the approvals inbox lists it): never old enough.
    since: gated
      ? NaN
      : latest(
          c.created_at,
          c.deps_done_at,
          c.approval_decided_at,
          c.next_attempt_at,
          c.attempt_finished_at,
          c.run_updated_at,
        ),
    detail: (sql) => whyNotDispatched(ctx, sql, c, runners),
  };
}

async function whyNotDispatched(
  ctx: ServiceContext,
  sql: Sql,
  c: ReadyCandidate,
  runners: Map<number, RunnerRow>,
): Promise<string> {
  if (c.blocked_capability) {
    const p = (await lastDispatchBlocked(sql, c.id)) ?? {};
    const what = [p.reason, p.capability, p.code, p.detail].filter((x) => typeof x === 'string').join(': ');
    return `dispatch blocked: ${what || c.blocked_capability}`;
  }
  const row = await getTaskRow(sql, c.id);
  const r = row ? await taskReadiness(ctx, sql, row) : null;
  if (r && !r.ready) return `not ready: ${r.reason}`;
  if (ctx.config.dispatchMode === 'manual')
    return 'dispatch mode is manual: POST /tasks/{id}/dispatch starts it';
  if (runners.size === 0) return 'no runner is registered';
  const slots = await runnerSlots(sql);
  const online = slots.filter((s) => s.runner.liveness === 'online');
  if (online.length === 0) return `no runner is online (${runners.size} registered)`;
  if (online.every((s) => s.free === 0))
    return `every online runner is busy or draining (${online.map((s) => s.runner.name).join(', ')})`;
  return 'ready and a runner has a free slot, yet the scheduler has not claimed it';
}

/** dispatched/queued: since the claim; running: since its last sign of life; cancel-requested: since then. */
function active(c: ActiveCandidate, runners: Map<number, RunnerRow>): Found {
  const runner = runnerText(runners.get(c.runner_id ?? -1), c.runner_id);
  if (c.status === 'dispatched' || c.status === 'queued') {
    return {
      taskId: c.id,
      reason: 'not-started',
      since: c.dispatched_at ?? ms(c.updated_at),
      detail: async () =>
        `${c.status} on ${runner} (attempt ${c.attempt}); the runner has not reported it running`,
    };
  }
  if (c.status === 'running') {
    return {
      taskId: c.id,
      reason: 'no-progress',
      since: latest(c.started_at, c.attempt_started_at, c.last_log_at, c.last_report_at, c.dispatched_at),
      detail: async () =>
        `running on ${runner} (attempt ${c.attempt}); last output ${c.last_log_at ?? 'never'}, last report ${c.last_report_at ?? 'never'}`,
    };
  }
  return {
    taskId: c.id,
    reason: 'cancel-pending',
    since: ms(c.updated_at),
    detail: async () => `cancel requested; ${runner} has not confirmed attempt ${c.attempt} stopped`,
  };
}
