/**
 * Drill 1 — api_restart_tolerant_flow. A two-step run is active, step 1 running on the runner. The API
 * is restarted twice while step 1 runs: once gracefully (SIGTERM) and once with kill -9, in a seeded
 * order. Expected: the run reaches success, each step executed exactly once (effect ledger), nothing
 * the API acknowledged before a restart is lost, and the API serves again within budget.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import {
  at,
  endChecks,
  eventsOf,
  firstEvent,
  flowAndRun,
  restartApi,
  sleep,
  startStack,
  strikeApi,
} from './common.js';

/** Long enough for two restarts on a loaded 2-core machine (an API start can take seconds there). */
const STEP1_MS = 10_000;

export const apiRestartTolerantFlow: Drill = {
  id: 'api_restart_tolerant_flow',
  name: 'API restarted (SIGTERM and kill -9) while a step runs',
  summary: 'restart the API twice (graceful, kill -9) while step 1 of a 2-step run executes',
  timeoutMs: 90_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx);
    const run = await flowAndRun(ctx, {
      name: 'restart',
      steps: [
        { id: 'step1', mock: { duration_ms: STEP1_MS, lines: ['step1 working'] } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300, lines: ['step2 done'] } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    steady(await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000), 'step 1 running on the runner');

    const first = ctx.str<'SIGTERM' | 'SIGKILL'>('first_signal');
    const order = first === 'SIGTERM' ? (['SIGTERM', 'SIGKILL'] as const) : (['SIGKILL', 'SIGTERM'] as const);
    const strikes: Array<{ signal: string; at: number; exit: string; killed: boolean; up_ms: number }> = [];
    for (const [i, sig] of order.entries()) {
      await sleep(i === 0 ? ctx.num('strike_after_running_ms') : ctx.num('second_strike_after_ms'));
      await ctx.snapshot();
      const s = await strikeApi(ctx, sig);
      const upMs = await restartApi(ctx, s.at);
      strikes.push({ signal: sig, at: s.at, exit: s.exit, killed: s.ok, up_ms: upMs });
      ctx.log(`API back after ${upMs} ms (${s.exit})`);
    }
    ctx.fault.healed = stack.api?.running === true;
    const final = await waitRunTerminal(stack.client, run.run_id, 45_000);
    ctx.log(`run ${run.run_id} ended ${final}`);
    const h = await ctx.collect();

    // Proof the fault hit an active step: step 1 finished only after every strike.
    const step1Done = at(firstEvent(h, (e) => e.task_id === t1 && e.payload.to === 'success'));
    const hitActive = strikes.every((s) => step1Done === null || step1Done > s.at);
    ctx.fault.fired = strikes.every((s) => s.killed) && hitActive;
    if (!hitActive) ctx.note('step 1 finished before a strike: the restart did not hit an active step');

    const reconciled = eventsOf(h, (e) => e.event_type === 'api.reconciled').map((e) =>
      Date.parse(e.created_at),
    );
    const reconciledAfterEach = strikes.every((s) => reconciled.some((r) => r >= s.at));
    ctx.details.strikes = strikes.map((s) => ({ ...s, at: new Date(s.at).toISOString() }));
    ctx.details.tasks = h.tasks
      .filter((t) => run.task_ids.includes(t.id))
      .map((t) => ({ id: t.id, status: t.status, attempt: t.attempt }));
    ctx.details.api_pids = stack.apiPids;
    ctx.details.step1_finished_at = step1Done ? new Date(step1Done).toISOString() : null;
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, [t1, t2]),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'reconciled_after_each_restart',
          reconciledAfterEach,
          `${reconciled.length} api.reconciled events for ${strikes.length} restarts`,
        ),
        check(
          'first_attempts_only',
          h.tasks.filter((t) => run.task_ids.includes(t.id)).every((t) => t.attempt === 1),
          'no step needed a second attempt',
        ),
      ],
      recovery_ms: Math.max(...strikes.map((s) => s.up_ms)),
    };
  },
};
