/**
 * Drill 18 — runner_black_holed. One runner; every API → runner byte crosses a fault proxy. Step 1
 * succeeds, step 2 waits at its approval gate; then the path to the runner becomes a black hole
 * (bytes dropped both ways, no RST, no FIN: a `timeout` toxic with timeout 0) while the runner's own
 * heartbeats and reports still reach the API. Step 2 is approved, so the API submits into the hole.
 * Expected: the API notices by its own call timeout (`task.submit_unconfirmed`, never a hang), stays
 * responsive throughout (every /health probe answered within the probe bound), keeps the same attempt
 * (the runner may have it) and sends it again; once the hole is lifted (seeded hold) that attempt runs
 * exactly once and the run succeeds.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { startLoad } from '../load.js';
import { executedExactlyOnce, msUntilEvent } from '../oracles.js';
import { check } from '../verdict.js';
import { waitTask, waitRunTerminal } from '../workflow.js';
import { endChecks, eventsOf, flowAndRun, sleep, waitForEvent } from './common.js';
import { proxyStats, startProxiedStack } from './topology.js';

/** An API that answers /health slower than this during the black hole counts as hung. */
const PROBE_BOUND_MS = 2000;

export const runnerBlackHoled: Drill = {
  id: 'runner_black_holed',
  name: 'Runner black-holed (packets dropped, no RST) when a submit is due',
  summary: 'the API submits into a black hole: detected by its call timeout, no hang, same attempt runs once',
  timeoutMs: 90_000,
  budgets: (t) => ({
    detection_ms: t.runnerCallTimeoutMs + 1500,
    recovery_ms: t.runnerCallTimeoutMs + t.schedulerIntervalMs + 5000,
  }),
  async run(ctx) {
    const { stack } = ctx;
    const links = await startProxiedStack(ctx, 1);
    const toRunner = links.runners[0]!.toRunner;
    const run = await flowAndRun(ctx, {
      name: 'black-hole',
      steps: [
        { id: 'step1', mock: { duration_ms: 300 } },
        { id: 'step2', depends_on: ['step1'], requires_approval: true, mock: { duration_ms: 500 } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    steady(await waitTask(stack.client, t1, (t) => t.status === 'success', 15_000), 'step 1 succeeded');
    const approval = await stack.client.get<{ id: number; status: string }>(`/tasks/${t2}/approval`);
    steady(approval.status === 'pending', `approval of step 2 pending (is ${approval.status})`);
    await ctx.snapshot();

    const probe = startLoad(stack.client, { paths: ['/health', `/tasks/${t2}`], workers: 1, pauseMs: 100 });
    let holeAt = 0;
    let healAt = 0;
    let unconfirmedBeforeHeal = false;
    try {
      await sleep(ctx.num('start_after_ms'));
      holeAt = ctx.injected(
        `black hole on ${toRunner.name} (both streams, no RST) for ${ctx.num('hold_ms')} ms`,
      );
      for (const stream of ['upstream', 'downstream'] as const)
        toRunner.addToxic({ name: `hole_${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
      await stack.client.post(`/approvals/${approval.id}/approve`, {
        actor: 'chaos-drill',
        comment: 'into the hole',
      });
      unconfirmedBeforeHeal =
        (await waitForEvent(
          ctx,
          (e) => e.event_type === 'task.submit_unconfirmed' && e.task_id === t2,
          ctx.num('hold_ms'),
        )) !== null;
      await sleep(Math.max(0, holeAt + ctx.num('hold_ms') - Date.now()));
      toRunner.removeToxic('hole_upstream');
      toRunner.removeToxic('hole_downstream');
      healAt = Date.now();
      ctx.fault.healed = true;
      ctx.log(`black hole lifted; submit unconfirmed before: ${unconfirmedBeforeHeal}`);
    } finally {
      await sleep(300);
      await probe.stop();
    }
    const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
    ctx.log(`run ${run.run_id} ended ${final}`);
    const h = await ctx.collect();

    const stats = toRunner.stats;
    ctx.fault.fired = stats.dropped_bytes > 0 && unconfirmedBeforeHeal;
    const during = probe.samples.filter((s) => s.sent >= holeAt && s.sent <= healAt);
    const slow = during.filter((s) => s.status !== 200 || s.answered - s.sent > PROBE_BOUND_MS);
    const maxMs = Math.max(0, ...during.map((s) => s.answered - s.sent));
    const unconfirmed = eventsOf(h, (e) => e.event_type === 'task.submit_unconfirmed' && e.task_id === t2);
    const submitFailed = eventsOf(h, (e) => e.event_type === 'task.runner_submit_failed' && e.task_id === t2);
    const runnerUnreachable = eventsOf(h, (e) => e.event_type === 'runner.unreachable');
    ctx.details.hole = {
      proxy: toRunner.name,
      hold_ms: ctx.num('hold_ms'),
      dropped_bytes: stats.dropped_bytes,
      submit_unconfirmed_events: unconfirmed.length,
      runner_unreachable_events: runnerUnreachable.length,
    };
    ctx.details.probe = { during_hole: during.length, slowest_ms: maxMs, failed_or_slow: slow.slice(0, 5) };
    ctx.details.proxies = proxyStats(links);
    const t2rec = h.tasks.find((t) => t.id === t2);
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, [t1, t2]),
        check(
          'api_never_hung',
          during.length > 0 && slow.length === 0,
          `${during.length} probes during the hole, slowest ${maxMs} ms (bound ${PROBE_BOUND_MS} ms), ${slow.length} failed or slow`,
        ),
        check(
          'detected_by_call_timeout',
          unconfirmedBeforeHeal,
          `${unconfirmed.length} task.submit_unconfirmed for step 2 (first before the heal: ${unconfirmedBeforeHeal})`,
        ),
        check(
          'same_attempt_sent_again',
          submitFailed.length === 0 && t2rec?.attempt === 1,
          `step 2 ended on attempt ${String(t2rec?.attempt)}, ${submitFailed.length} submit failures`,
        ),
      ],
      detection_ms: msUntilEvent(
        h,
        holeAt,
        (e) => e.event_type === 'task.submit_unconfirmed' && e.task_id === t2,
      ),
      recovery_ms: msUntilEvent(h, healAt, (e) => e.task_id === t2 && e.payload.to === 'running'),
    };
  },
};
