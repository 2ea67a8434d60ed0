/**
 * The sweeper: idempotent checks that move time-driven state, callable directly by tests with a fake
 * clock (like pg-boss `supervise()`). Each check commits in its own transaction.
 *
 * 1. runner liveness: online → unreachable after the heartbeat timeout (its tasks show
 *    runner_unreachable_since); unreachable past the grace → its live attempts are lost.
 * 2. run-time limit: active attempts past their deadline time out.
 * 3. time-to-start: while no runner is reachable, a ready task waits at most its time-to-start, then
 *    fails submit-failed (auto mode). Busy runners are a queue: waiting for capacity never fails.
 * 4. stuck dispatch: a claimed attempt whose submit outcome never committed is re-submitted.
 */
import { iso } from '../lib/clock.js';
import { isLiveCurrent } from '../domain/attemptMachine.js';
import { IDEMPOTENCY_TTL_MS } from '../domain/idempotency.js';
import { addPendingCancel } from '../store/ops/cancels.js';
import { pruneIdempotencyKeys } from '../store/ops/idempotency.js';
import { liveAttemptsOfRunner } from '../store/ops/attempts.js';
import { listRunners } from '../store/ops/runners.js';
import {
  clearWaitingSince,
  getTaskRow,
  listActiveTaskRows,
  markWaitingSince,
  tasksWaitingSince,
  updateTask,
} from '../store/ops/tasks.js';
import type { ServiceContext } from '../services/context.js';
import { describeRunner } from '../services/dispatch.js';
import { taskReadiness } from '../services/readiness.js';
import { applyTaskEvent } from '../services/lifecycle.js';
import { markRunnerUnreachable } from '../services/liveness.js';

export interface SweepReport {
  unreachable: number;
  lost: number;
  timedOut: number;
  startTimedOut: number;
  resubmits: number;
  /** Idempotency keys older than 24 h deleted by this sweep. */
  idempotencyKeysPruned: number;
  /**
   * Wall ms at which a runner's liveness changes next if it stays silent (its heartbeat timeout, or its
   * lost grace, runs out); null when no runner is waiting on one. The scheduler wakes then, so that
   * detection does not wait for the next periodic sweep.
   */
  nextLivenessAt: number | null;
}

export async function sweep(
  ctx: ServiceContext,
  inflight: ReadonlySet<number> = new Set(),
): Promise<SweepReport> {
  const rep: SweepReport = {
    unreachable: 0,
    lost: 0,
    timedOut: 0,
    startTimedOut: 0,
    resubmits: 0,
    idempotencyKeysPruned: 0,
    nextLivenessAt: null,
  };
  const due = (at: number) => {
    rep.nextLivenessAt = rep.nextLivenessAt === null ? at : Math.min(rep.nextLivenessAt, at);
  };
  await ctx.store.tx(async (sql) => {
    const now = ctx.clock.now();
    const nowIso = iso(now);
    // Idempotency keys answer retries for 24 h (services/idempotency.ts); an indexed range delete.
    rep.idempotencyKeysPruned = await pruneIdempotencyKeys(sql, now - IDEMPOTENCY_TTL_MS);
    for (const r of await listRunners(sql)) {
      if (r.liveness === 'online' && now - r.last_seen_at > ctx.config.heartbeatTimeoutMs) {
        rep.unreachable++;
        await markRunnerUnreachable(ctx, sql, r, { source: 'heartbeat-timeout' });
        continue;
      }
      if (r.liveness === 'online') due(r.last_seen_at + ctx.config.heartbeatTimeoutMs + 1);
      else if (r.unreachable_since !== null && now - r.unreachable_since <= ctx.config.lostGraceMs)
        due(r.unreachable_since + ctx.config.lostGraceMs + 1);
      if (
        r.liveness !== 'online' &&
        r.unreachable_since !== null &&
        now - r.unreachable_since > ctx.config.lostGraceMs
      ) {
        for (const a of await liveAttemptsOfRunner(sql, r.id)) {
          const t = await getTaskRow(sql, a.task_id);
          if (!t || !isLiveCurrent(t, a)) continue;
          rep.lost++;
          // If the runner comes back, it is told to kill the zombie attempt.
          await addPendingCancel(sql, t.id, t.attempt, r.id, nowIso);
          await applyTaskEvent(
            ctx,
            sql,
            t,
            { type: 'lost', retry: false },
            {
              eventType: 'task.runner_lost',
              payload: { runner_id: r.id, unreachable_since: iso(r.unreachable_since) },
              patch: { message: `runner ${r.name} unreachable since ${iso(r.unreachable_since)}` },
              failure: { step: 'runner-lost', runnerUrl: r.url, unreachableSince: iso(r.unreachable_since) },
            },
          );
        }
      }
    }
  });
  await ctx.store.tx(async (sql) => {
    const now = ctx.clock.now();
    const nowIso = iso(now);
    for (const t of await listActiveTaskRows(sql)) {
      if (t.deadline_at !== null && now > t.deadline_at && t.status !== 'dispatched') {
        rep.timedOut++;
        if (t.runner_id !== null) await addPendingCancel(sql, t.id, t.attempt, t.runner_id, nowIso);
        await applyTaskEvent(
          ctx,
          sql,
          t,
          { type: 'timeout', retry: false },
          {
            eventType: 'task.timed_out',
            payload: { deadline_at: iso(t.deadline_at) },
            patch: { message: `exceeded ${t.timeout_seconds ?? ctx.config.defaultTaskTimeoutS}s` },
            failure: {
              step: 'timeout',
              timeoutSeconds: t.timeout_seconds ?? ctx.config.defaultTaskTimeoutS,
              output: t.output_tail,
            },
          },
        );
        continue;
      }
      const stuckAfter = ctx.config.runnerCallTimeoutMs * 2 + 1_000;
      if (
        t.status === 'dispatched' &&
        !inflight.has(t.id) &&
        !t.resubmit_pending &&
        t.dispatched_at !== null &&
        now - t.dispatched_at > stuckAfter
      ) {
        rep.resubmits++;
        await updateTask(sql, t.id, { resubmit_pending: 1 }, nowIso);
      }
    }
    if (ctx.config.dispatchMode !== 'auto') return;
    // Time-to-start runs only while no runner is reachable: a busy fleet is a queue, not a failure.
    const runnerRows = await listRunners(sql);
    if (runnerRows.some((r) => r.liveness === 'online')) {
      await clearWaitingSince(sql);
      return;
    }
    await markWaitingSince(sql, now);
    const runners = runnerRows.map(describeRunner);
    for (const t of await tasksWaitingSince(sql, now, ctx.config.defaultTimeToStartS)) {
      const limitMs = (t.time_to_start_seconds ?? ctx.config.defaultTimeToStartS) * 1000;
      if (t.ready_since === null || now - t.ready_since <= limitMs) continue;
      if (!(await taskReadiness(ctx, sql, t)).ready) {
        await updateTask(sql, t.id, { ready_since: null }, nowIso);
        continue;
      }
      rep.startTimedOut++;
      await applyTaskEvent(
        ctx,
        sql,
        t,
        { type: 'start-timeout' },
        {
          eventType: 'task.runner_submit_failed',
          payload: { reason: 'time-to-start exceeded', waited_ms: now - t.ready_since },
          patch: { message: `no runner reachable within ${limitMs / 1000}s` },
          failure: {
            step: 'submit',
            error: `no runner has been reachable for ${Math.round((now - t.ready_since) / 1000)}s (time-to-start limit ${limitMs / 1000}s)`,
            runners,
          },
        },
      );
    }
  });
  return rep;
}
