/**
 * One dispatch pass: claim every ready task that has a runner slot in ONE transaction (a group commit:
 * N claims cost one fsync), then submit them concurrently and commit all outcomes together.
 */
import { iso } from '../lib/clock.js';
import { insertEvent } from '../store/ops/events.js';
import { listCreatedRunTasks, updateTask } from '../store/ops/tasks.js';
import type { ServiceContext } from '../services/context.js';
import {
  buildPayload,
  claimAttempt,
  submitAttempts,
  taskReadiness,
  type BuiltPayload,
} from '../services/dispatch.js';
import { pickRunner, runnerSlots } from '../services/placement.js';

export interface PassResult {
  claimed: Array<{ taskId: number; attempt: number; built?: BuiltPayload }>;
  waitingForRunner: number;
}

export async function claimReady(ctx: ServiceContext, limit = 500): Promise<PassResult> {
  return ctx.store.tx(async (sql) => {
    const now = ctx.clock.now();
    const nowIso = iso(now);
    const slots = await runnerSlots(sql);
    const claimed: PassResult['claimed'] = [];
    let waiting = 0;
    for (const t of await listCreatedRunTasks(sql, limit, now)) {
      const r = await taskReadiness(ctx, sql, t);
      if (!r.ready) continue;
      const runner = pickRunner(slots);
      if (!runner) {
        waiting++;
        if (t.ready_since === null) await updateTask(sql, t.id, { ready_since: now }, nowIso);
        continue;
      }
      const c = await claimAttempt(ctx, sql, t, runner);
      const built = await buildPayload(ctx, sql, c);
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
    return { claimed, waitingForRunner: waiting };
  });
}

export async function submitClaimed(
  ctx: ServiceContext,
  claimed: PassResult['claimed'],
  inflight: Set<number>,
): Promise<void> {
  for (const c of claimed) inflight.add(c.taskId);
  try {
    await submitAttempts(ctx, claimed);
  } catch (err) {
    ctx.logger.error(
      { err, tasks: claimed.map((c) => c.taskId) },
      'submit failed unexpectedly; the stuck-dispatch sweep will retry',
    );
  } finally {
    for (const c of claimed) inflight.delete(c.taskId);
  }
}
