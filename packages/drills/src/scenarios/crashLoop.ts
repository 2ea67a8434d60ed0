/**
 * Drill 9 — crash_loop. A five-step DAG (a → b, c → d → e) runs while the API is killed with kill -9
 * again and again (seeded intervals, restarted right away each time), then left alone. Expected: the
 * run completes, every step executed exactly once, nothing acknowledged before any crash is lost.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { at, endChecks, firstEvent, flowAndRun, restartApi, sleep, startStack, strikeApi } from './common.js';

export const crashLoop: Drill = {
  id: 'crash_loop',
  name: 'API crash loop (kill -9 every few seconds) during a DAG',
  summary: 'kill -9 the API repeatedly during a 5-step DAG, then heal: the run completes, every step once',
  timeoutMs: 150_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx, 1, 2);
    const run = await flowAndRun(ctx, {
      name: 'crash-loop',
      steps: [
        { id: 'a', mock: { duration_ms: 1500 } },
        { id: 'b', depends_on: ['a'], mock: { duration_ms: 1500 } },
        { id: 'c', depends_on: ['a'], mock: { duration_ms: 1000 } },
        { id: 'd', depends_on: ['b', 'c'], mock: { duration_ms: 1500 } },
        { id: 'e', depends_on: ['d'], mock: { duration_ms: 1000 } },
      ],
    });
    steady(await waitRunning(stack.client, stack.ledgerFile, run.task_ids[0]!, 1, 15_000), 'step a running');
    const kills: Array<{ at: number; ok: boolean; up_ms: number }> = [];
    for (const interval of ctx.schedule.intervals_ms as number[]) {
      await sleep(interval);
      await ctx.snapshot();
      const s = await strikeApi(ctx, 'SIGKILL');
      kills.push({ at: s.at, ok: s.ok, up_ms: await restartApi(ctx, s.at) });
    }
    ctx.fault.healed = stack.api?.running === true;
    const healedAt = Date.now();
    const final = await waitRunTerminal(stack.client, run.run_id, 60_000);
    ctx.log(`run ${run.run_id} ${final} after ${kills.length} crashes`);
    const h = await ctx.collect();
    const done = at(
      firstEvent(h, (e) => e.event_type === 'workflow_run.succeeded' && e.run_id === run.run_id),
    );
    const duringRun = kills.filter((k) => done === null || k.at < done).length;
    ctx.fault.fired = kills.every((k) => k.ok) && duringRun >= Math.min(3, kills.length);
    ctx.details.kills = kills.map((k) => ({ at: new Date(k.at).toISOString(), up_ms: k.up_ms }));
    ctx.details.kills_while_run_active = duringRun;
    ctx.details.completion_after_heal_ms = done === null ? null : Math.max(0, done - healedAt);
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, run.task_ids),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'crashes_hit_the_active_run',
          duringRun >= Math.min(3, kills.length),
          `${duringRun} of ${kills.length} crashes while the run was active`,
        ),
      ],
      recovery_ms: Math.max(...kills.map((k) => k.up_ms)),
    };
  },
};
