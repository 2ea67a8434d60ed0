/**
 * Drill 16 — api_sigterm_at_join. Run: n parallel branches (seeded n, staggered durations) → a join.
 * A steady load of operator reads and writes (role creates) runs the whole time. When the first
 * branch has succeeded and the join still waits for the others, the API gets SIGTERM (a graceful stop:
 * it drains and exits), and is started again after a seeded pause.
 * Declared drain window: SIGTERM → the old process's exit (the product forces an exit after 10 s).
 * Expected: no 5xx answer outside the drain window (while the API is down connections are refused,
 * which is not a 5xx), the old API exits 0 within the window, every acknowledged write is still there,
 * each step once, the join once, the run succeeds, nothing acknowledged lost.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { fiveXxOutside, startLoad, summarize } from '../load.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { waitUntil } from '../procinfo.js';
import { check } from '../verdict.js';
import { getTask, waitRunning, waitRunTerminal } from '../workflow.js';
import { at, endChecks, firstEvent, flowAndRun, sleep, startStack } from './common.js';

/** The product's graceful-stop deadline (cli/commands/api.ts forceAfterMs). */
export const API_DRAIN_WINDOW_MS = 10_000;

export const apiSigtermAtJoin: Drill = {
  id: 'api_sigterm_at_join',
  name: 'API SIGTERM (graceful stop) at a DAG join, under load',
  summary: 'SIGTERM the API while a join waits for its branches, under load: no 5xx beyond the drain window',
  timeoutMs: 120_000,
  budgets: () => ({ detection_ms: null, recovery_ms: API_DRAIN_WINDOW_MS }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx, 1, 4);
    const n = ctx.num('branches');
    const branches = Array.from({ length: n }, (_, i) => `b${i + 1}`);
    const base = ctx.num('branch_base_ms');
    const stagger = ctx.num('branch_stagger_ms');
    const run = await flowAndRun(ctx, {
      name: 'join',
      steps: [
        ...branches.map((id, i) => ({
          id,
          mock: { duration_ms: base + i * stagger, lines: [`${id} done`] },
        })),
        { id: 'join', depends_on: branches, mock: { duration_ms: 300, lines: ['joined'] } },
      ],
    });
    const tb = run.task_ids.slice(0, n);
    const tj = run.task_ids[n]!;
    const load = startLoad(stack.client, {
      paths: ['/health', `/workflow-runs/${run.run_id}`, `/tasks/${tj}`, `/tasks/${tb[0]}`],
      write: { path: '/roles', body: (k) => ({ name: `load-${k}`, system_prompt: 'load' }) },
    });
    let drainExit: { code: number | null; signal: string | null } | null = null;
    let sigtermAt = 0;
    let exitAt = 0;
    let branchesDone = 0;
    let joinStatus = '';
    try {
      steady(await waitRunning(stack.client, stack.ledgerFile, tb[0]!, 1, 15_000), 'branch 1 running');
      const first = await waitUntil(async () => {
        const ts = await Promise.all(tb.map((id) => getTask(stack.client, id)));
        return ts.some((t) => t.status === 'success') ? ts : null;
      }, 20_000);
      steady(first, 'a branch succeeded');
      await sleep(ctx.num('strike_after_first_branch_ms'));
      const ts = await Promise.all(tb.map((id) => getTask(stack.client, id)));
      branchesDone = ts.filter((t) => t.status === 'success').length;
      joinStatus = (await getTask(stack.client, tj)).status;
      await ctx.snapshot();
      const api = stack.api!;
      sigtermAt = ctx.injected(
        `API SIGTERM (pid ${api.pid}) with ${branchesDone}/${n} branches done, join ${joinStatus}`,
      );
      // Let the product's own deadline act: wait a little longer than it before forcing.
      await api.stop(API_DRAIN_WINDOW_MS + 2000);
      exitAt = Date.now();
      drainExit = api.exit;
      ctx.log(`old API exited ${JSON.stringify(drainExit)} after ${exitAt - sigtermAt} ms`);
      await sleep(ctx.num('restart_after_exit_ms'));
      await stack.startApi();
      ctx.fault.healed = stack.api?.running === true;
    } finally {
      // Keep the load on a while after the restart: 5xx there would be outside the window.
      await sleep(500);
      await load.stop();
    }
    const final = await waitRunTerminal(stack.client, run.run_id, 45_000);
    ctx.log(`run ${run.run_id} ended ${final}`);
    const h = await ctx.collect();

    const joinDone = at(firstEvent(h, (e) => e.task_id === tj && e.payload.to === 'success'));
    const atJoin = branchesDone >= 1 && (joinDone === null || joinDone > sigtermAt);
    ctx.fault.fired = drainExit !== null && drainExit.signal === null && atJoin;
    if (!atJoin) ctx.note('the SIGTERM did not land at the join (no branch done, or the join already done)');
    const bad = fiveXxOutside(load.samples, [{ from: sigtermAt, to: exitAt }]);
    const during = load.samples.filter((s) => s.answered >= sigtermAt && s.answered <= exitAt);
    const lostWrites: number[] = [];
    for (const w of load.acknowledged) {
      const a = await stack.client.call('GET', `/roles/${w.id}`).catch(() => null);
      if (!a || a.status !== 200) lostWrites.push(w.id);
    }
    ctx.details.drain = {
      sigterm_at: new Date(sigtermAt).toISOString(),
      exit: drainExit,
      drain_ms: exitAt - sigtermAt,
      branches_done_at_sigterm: branchesDone,
      join_status_at_sigterm: joinStatus,
    };
    ctx.details.load = {
      requests: load.samples.length,
      answers: summarize(load.samples),
      answers_during_drain: summarize(during),
      fivexx_outside_window: bad.slice(0, 10),
      acknowledged_writes: load.acknowledged.length,
    };
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, run.task_ids),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'no_5xx_outside_drain_window',
          bad.length === 0 && load.samples.length > 0,
          `${load.samples.length} requests; ${bad.length} 5xx outside [SIGTERM, exit] (${exitAt - sigtermAt} ms)`,
        ),
        check(
          'graceful_exit_within_window',
          drainExit?.code === 0 && exitAt - sigtermAt <= API_DRAIN_WINDOW_MS,
          `exit ${JSON.stringify(drainExit)} after ${exitAt - sigtermAt} ms (window ${API_DRAIN_WINDOW_MS} ms)`,
        ),
        check(
          'acknowledged_writes_kept',
          lostWrites.length === 0 && load.acknowledged.length > 0,
          `${load.acknowledged.length} acknowledged role creates, ${lostWrites.length} missing${lostWrites.length ? `: ${lostWrites.slice(0, 10).join(',')}` : ''}`,
        ),
      ],
      recovery_ms: exitAt - sigtermAt,
    };
  },
};
