/**
 * One dispatch pass: claim every ready task that has a runner slot in ONE transaction (a group commit:
 * N claims cost one fsync), then submit them concurrently and commit all outcomes together.
 */
import { iso } from '../lib/clock.js';
import { insertEvent } from '../store/ops/events.js';
import { listCreatedRunTasks } from '../store/ops/tasks.js';
import type { ServiceContext } from '../services/context.js';
import { DispatchLookups } from '../services/lookups.js';
import type { Sql } from '../store/sql.js';
import { buildPayload, claimAttempt, submitAttempts, type BuiltPayload } from '../services/dispatch.js';
import { taskReadiness } from '../services/readiness.js';
import { blockedByWorkspace } from '../services/executionModes.js';
import { placeTask, runnerSlots } from '../services/placement.js';

export interface PassResult {
  claimed: Array<{ taskId: number; attempt: number; built?: BuiltPayload }>;
  /** Free runner slots left after the pass. */
  freeSlots: number;
}

/**
 * Reads candidates only as far as there are free runner slots (plus the not-ready ones it skips), so
 * a backlog of thousands of ready tasks behind busy runners costs nothing per pass.
 */
export function claimReady(ctx: ServiceContext, limit = 500): Promise<PassResult> {
  return ctx.store.tx((sql) => claimReadyIn(ctx, sql, limit));
}

/** The claim pass inside the caller's transaction (the scheduler's own, or the end of a group commit). */
export async function claimReadyIn(ctx: ServiceContext, sql: Sql, limit = 500): Promise<PassResult> {
  const now = ctx.clock.now();
  const nowIso = iso(now);
  const slots = await runnerSlots(sql);
  let free = slots.reduce((n, s) => n + s.free, 0);
  const claimed: PassResult['claimed'] = [];
  const look = new DispatchLookups(sql);
  let afterId = 0;
  let scanned = 0;
  while (free > 0 && scanned < limit) {
    const page = await listCreatedRunTasks(
      sql,
      Math.min(limit - scanned, Math.max(16, free * 2)),
      now,
      afterId,
    );
    if (page.length === 0) break;
    for (const t of page) {
      afterId = t.id;
      scanned++;
      if (free === 0) break;
      const r = await taskReadiness(ctx, sql, t);
      if (!r.ready || (await blockedByWorkspace(ctx, sql, t))) continue;
      // No runner for this task (capable ones busy, or its capability missing): the next may fit.
      const runner = await placeTask(ctx, sql, slots, t, look);
      if (!runner) continue;
      free--;
      const c = await claimAttempt(ctx, sql, t, runner);
      const built = await buildPayload(ctx, sql, c, look);
      await insertEvent(
        sql,
        {
          event_type: 'task.prompt_assembled',
          run_id: c.run_id,
          task_id: c.id,
          payload: { attempt: c.attempt, prompt: ctx.redact(built.payload.prompt) },
        },
        nowIso,
      );
      claimed.push({ taskId: c.id, attempt: c.attempt, built });
    }
  }
  return { claimed, freeSlots: free };
}

export async function submitClaimed(
  ctx: ServiceContext,
  claimed: PassResult['claimed'],
  inflight: Set<number>,
): Promise<void> {
  for (const c of claimed) inflight.add(c.taskId);
  try {
    await submitAttempts(ctx, claimed, { unhurried: true });
  } catch (err) {
    ctx.logger.error(
      { err, tasks: claimed.map((c) => c.taskId) },
      'submit failed unexpectedly; the stuck-dispatch sweep will retry',
    );
  } finally {
    for (const c of claimed) inflight.delete(c.taskId);
  }
}
