/**
 * Drill 6 — callbacks_during_api_outage. Step 1 of a two-step run is running when the API goes down
 * (seeded: SIGTERM or kill -9). The agent finishes while the API is down, so the runner's terminal
 * report cannot be delivered: it must wait in the runner's on-disk outbox (seen on the runner's
 * /health and GET /tasks/:id) and be delivered once the API is back. Expected: the report lands after
 * the restart, step 2 runs, the run succeeds, each step once, nothing acknowledged is lost.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { ApiClient } from '../client.js';
import { acknowledgedDurable, executedExactlyOnce, msUntilEvent } from '../oracles.js';
import { waitUntil } from '../procinfo.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { at, endChecks, firstEvent, flowAndRun, sleep, startStack, strikeApi } from './common.js';

interface RunnerAttempt {
  status: string;
  reported: boolean;
  report_state?: string;
}

export const callbacksDuringApiOutage: Drill = {
  id: 'callbacks_during_api_outage',
  name: 'Runner reports while the API is down (outbox delivery after restart)',
  summary: 'the agent finishes while the API is down; the outbox must deliver after the restart',
  timeoutMs: 90_000,
  budgets: (t) => ({ detection_ms: null, recovery_ms: t.outboxCapMs + 5000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx);
    const run = await flowAndRun(ctx, {
      name: 'outage',
      steps: [
        { id: 'step1', mock: { duration_ms: 1200, lines: ['step1 done'] } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300 } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    steady(await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000), 'step 1 running');
    const runner = stack.runners[0]!;
    const direct = new ApiClient(runner.url, 3000, { 'x-runner-token': stack.runnerToken() });
    try {
      await sleep(ctx.num('stop_after_running_ms'));
      await ctx.snapshot();
      const s = await strikeApi(ctx, ctx.str<'SIGTERM' | 'SIGKILL'>('stop_signal'));
      // While the API is down: the attempt finishes on the runner and its report waits in the outbox.
      const held = await waitUntil(async () => {
        const a = await direct.get<RunnerAttempt>(`/tasks/${t1}`);
        return a.status === 'success' && !a.reported ? a : null;
      }, 15_000);
      const health = await direct.get<{ outbox_pending: number }>('/health');
      // Let the outbox fail a few deliveries (it retries with backoff) before the API returns.
      await sleep(ctx.timeouts.outboxCapMs * 2);
      const stillDown = !(await stack.client.healthy());
      ctx.log(`runner holds the report (pending ${health.outbox_pending}); restarting the API`);
      const restartAt = Date.now();
      await stack.startApi();
      const servingAt = Date.now();
      ctx.fault.healed = true;
      const delivered = await waitUntil(
        async () => (await direct.get<RunnerAttempt>(`/tasks/${t1}`)).reported,
        15_000,
      );
      const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
      ctx.log(`run ${run.run_id} ${final}; outbox delivered=${Boolean(delivered)}`);
      const h = await ctx.collect();

      const success1 = firstEvent(h, (e) => e.task_id === t1 && e.payload.to === 'success');
      const appliedAfter = msUntilEvent(h, restartAt, (e) => e.id === success1?.id);
      ctx.fault.fired = s.ok && held !== null && health.outbox_pending > 0 && stillDown;
      ctx.details.api_stop = { signal: ctx.str('stop_signal'), exit: s.exit };
      ctx.details.outbox_pending_while_down = health.outbox_pending;
      ctx.details.report_applied_at = success1?.created_at ?? null;
      ctx.details.api_restarted_at = new Date(restartAt).toISOString();
      ctx.details.api_serving_after_ms = servingAt - restartAt;
      return {
        checks: [
          ...endChecks(ctx, h, 'success'),
          executedExactlyOnce(h, [t1, t2]),
          acknowledgedDurable(ctx.snapshots, h),
          check(
            'report_delivered_after_restart',
            (at(success1) ?? 0) >= restartAt,
            `step 1 success applied at ${success1?.created_at ?? 'never'}, API back at ${new Date(restartAt).toISOString()}`,
          ),
          check(
            'runner_outbox_acknowledged',
            Boolean(delivered),
            'the runner marks the report delivered (acked by the API)',
          ),
          check(
            'attempt_not_lost',
            !h.events.some(
              (e) =>
                e.task_id === t1 &&
                (e.event_type === 'task.runner_lost' || e.event_type === 'task.retry_scheduled'),
            ),
            'the outage did not cost step 1 its attempt',
          ),
        ],
        // From the API serving again to the held report applied: what the outbox is responsible for.
        recovery_ms: appliedAfter === null ? null : Math.max(0, appliedAfter - (servingAt - restartAt)),
      };
    } finally {
      await direct.close();
    }
  },
};
