import { iso } from '../lib/clock.js';
import { allPendingCancels, removePendingCancel } from '../store/ops/cancels.js';
import { insertEvent } from '../store/ops/events.js';
import { listRunners } from '../store/ops/runners.js';
import type { ServiceContext } from '../services/context.js';

/** Deliver owed cancels to reachable runners now; unreachable ones get them with their next heartbeat. */
export async function deliverCancels(ctx: ServiceContext): Promise<number> {
  const { pending, runners } = await ctx.store.read(async (sql) => ({
    pending: await allPendingCancels(sql),
    runners: await listRunners(sql),
  }));
  if (pending.length === 0) return 0;
  const byId = new Map(runners.map((r) => [r.id, r]));
  let delivered = 0;
  for (const c of pending) {
    const r = byId.get(c.runner_id);
    if (!r || r.liveness !== 'online') continue;
    try {
      if (await ctx.runnerClient.cancel(r.url, c.task_id, c.attempt)) {
        delivered++;
        await ctx.store.tx(async (sql) => {
          await removePendingCancel(sql, c.task_id, c.attempt);
          await insertEvent(
            sql,
            {
              event_type: 'task.cancel_delivered',
              task_id: c.task_id,
              payload: { attempt: c.attempt, runner_id: r.id },
            },
            iso(ctx.clock.now()),
          );
        });
      }
    } catch {
      /* unreachable: kept for the heartbeat answer or the next pass */
    }
  }
  return delivered;
}
