/**
 * Reconciliation at API start: before serving, ask every runner that holds live attempts what it
 * really has, and adopt it (see services/runners.ts adoptRunnerView). Runners that do not answer are
 * marked unreachable now; the sweeper fails their attempts after the grace period unless they return.
 */
import { iso } from '../lib/clock.js';
import { describe } from './runnerClient.js';
import { liveAttemptsOfRunner } from '../store/ops/attempts.js';
import { insertEvent } from '../store/ops/events.js';
import { getRunner, listRunners, refreshAllLastSeen } from '../store/ops/runners.js';
import type { RunnerAttemptState } from '@multyagents/contracts';
import type { ServiceContext } from '../services/context.js';
import { adoptRunnerView } from '../services/runners.js';
import { markRunnerReachable, markRunnerUnreachable } from '../services/liveness.js';

export async function reconcileAtStart(
  ctx: ServiceContext,
): Promise<{ runners: number; unreachable: number }> {
  const runners = await ctx.store.tx(async (sql) => {
    // Heartbeats could not land while we were down: everyone gets a fresh timeout to check in.
    await refreshAllLastSeen(sql, ctx.clock.now());
    const all = await listRunners(sql);
    const withWork = [];
    for (const r of all) if ((await liveAttemptsOfRunner(sql, r.id)).length > 0) withWork.push(r);
    return withWork;
  });
  let unreachable = 0;
  await Promise.all(
    runners.map(async (r) => {
      try {
        const held = await confirmMissing(ctx, r, await ctx.runnerClient.listTasks(r.url));
        await ctx.store.tx(async (sql) => {
          // It answered: it is alive, whatever its row said before we went down.
          const row = await getRunner(sql, r.id);
          if (row) await markRunnerReachable(ctx, sql, row, 'reconcile');
          await adoptRunnerView(ctx, sql, r.id, held, 'reconcile');
        });
      } catch (err) {
        unreachable++;
        await ctx.store.tx(async (sql) => {
          const row = await getRunner(sql, r.id);
          if (row) await markRunnerUnreachable(ctx, sql, row, { source: 'reconcile', error: describe(err) });
        });
      }
    }),
  );
  await ctx.store.tx((sql) =>
    insertEvent(
      sql,
      { event_type: 'api.reconciled', payload: { runners_checked: runners.length, unreachable } },
      iso(ctx.clock.now()),
    ),
  );
  return { runners: runners.length, unreachable };
}

/**
 * A live attempt missing from a runner's list is failed as lost by the adoption that follows, so each
 * one is asked about on its own first (`GET /tasks/{id}`): a list can be incomplete (runners before
 * this version cut it at 1000 attempts, dropping the newest, running ones). Attempts still
 * `dispatched` are not asked about: those are re-sent anyway.
 */
async function confirmMissing(
  ctx: ServiceContext,
  r: { id: number; url: string },
  held: RunnerAttemptState[],
): Promise<RunnerAttemptState[]> {
  const listed = new Set(held.map((a) => `${a.task_id}:${a.attempt}`));
  const live = await ctx.store.read((sql) => liveAttemptsOfRunner(sql, r.id));
  const missing = live.filter((a) => a.status !== 'dispatched' && !listed.has(`${a.task_id}:${a.attempt}`));
  const found: RunnerAttemptState[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, missing.length) }, async () => {
      while (next < missing.length) {
        const a = missing[next++]!;
        const one = await ctx.runnerClient.getTask(r.url, a.task_id);
        if (one && one.attempt === a.attempt) found.push(one);
      }
    }),
  );
  return found.length ? [...held, ...found] : held;
}
