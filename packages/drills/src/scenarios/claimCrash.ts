/**
 * Drill 15 — crash_after_claim_before_submit. Run: step a → b1..bk (seeded k, claimed together) → c.
 * While a runs, the API is restarted gracefully with the product's fault point
 * `after-claim-before-submit=crash` armed (MULTYAGENTS_FAULTS): when a's report makes b1..bk ready, the
 * API commits their claims (attempt 1 `dispatched`) and dies as with kill -9 before any submit leaves.
 * It is restarted unarmed after a seeded pause. Expected: the claimed attempts are sent once by the
 * restarted API (reconciliation re-sends `dispatched` attempts), each step executes exactly once, all
 * on attempt 1, the run succeeds, nothing acknowledged is lost.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { at, endChecks, eventsOf, flowAndRun, sleep, startStack, strikeApi } from './common.js';

const FAULT = 'after-claim-before-submit=crash';

export const crashAfterClaimBeforeSubmit: Drill = {
  id: 'crash_after_claim_before_submit',
  name: 'API crash after the claim commit, before the submit',
  summary: 'the API dies (fault point) between committing a claim and sending it: exactly one execution',
  timeoutMs: 90_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx, 1, 4);
    const k = ctx.num('fanout');
    const branches = Array.from({ length: k }, (_, i) => `b${i + 1}`);
    const run = await flowAndRun(ctx, {
      name: 'claim-crash',
      steps: [
        { id: 'a', mock: { duration_ms: ctx.num('step_a_ms'), lines: ['a done'] } },
        ...branches.map((id) => ({ id, depends_on: ['a'], mock: { duration_ms: 300 } })),
        { id: 'c', depends_on: branches, mock: { duration_ms: 200 } },
      ],
    });
    const [ta, ...rest] = run.task_ids as number[];
    const tb = rest.slice(0, k);
    steady(await waitRunning(stack.client, stack.ledgerFile, ta!, 1, 15_000), 'step a running');

    // Arm: a graceful restart with the fault point set (a is still running on the runner).
    await ctx.snapshot();
    await strikeApi(ctx, 'SIGTERM');
    // The claim may even kill it before its first /health answer: that start is still the armed one.
    await stack.startApi({ env: { MULTYAGENTS_FAULTS: FAULT } }).catch((err: unknown) => {
      if (stack.api?.exit?.signal !== 'SIGKILL') throw err;
    });
    const armed = stack.api!;
    ctx.log(`API restarted armed (${FAULT}), pid ${armed.pid}`);
    // a's report (delivered now or from the outbox) makes b1..bk ready: their claim kills the API.
    const died = await armed.waitExit(30_000);
    const crashAt = Date.now();
    const crashedBy = armed.exit?.signal ?? (armed.exit ? `exit ${armed.exit.code}` : 'still running');
    ctx.injected(`fault point ${FAULT} in API pid ${armed.pid}: ${crashedBy}`);
    steady(died, 'the armed API reached the fault point (a claim after step a)');
    await sleep(ctx.num('down_ms'));
    await stack.startApi({ env: {} });
    const upMs = Date.now() - crashAt;
    ctx.fault.healed = stack.api?.running === true;
    const final = await waitRunTerminal(stack.client, run.run_id, 45_000);
    ctx.log(`run ${run.run_id} ended ${final}`);
    const h = await ctx.collect();

    // Proof: the claims of b1..bk were committed before the crash and nothing was sent before it.
    const claimedBefore = tb.filter((id) =>
      eventsOf(h, (e) => e.task_id === id && e.event_type === 'task.dispatched').some(
        (e) => (at(e) ?? Infinity) <= crashAt,
      ),
    );
    const startedBefore = h.ledger.filter(
      (l) => tb.includes(l.task_id) && l.started_at !== undefined && Date.parse(l.started_at) <= crashAt - 50,
    );
    ctx.fault.fired = armed.exit?.signal === 'SIGKILL' && claimedBefore.length > 0;
    ctx.details.crash = {
      api_pid: armed.pid,
      exit: crashedBy,
      at: new Date(crashAt).toISOString(),
      claimed_before_crash: claimedBefore,
      restart_ms: upMs,
    };
    ctx.details.tasks = h.tasks
      .filter((t) => run.task_ids.includes(t.id))
      .map((t) => ({ id: t.id, step: t.step_id, status: t.status, attempt: t.attempt }));
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, run.task_ids),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'claim_committed_before_crash',
          claimedBefore.length > 0,
          `${claimedBefore.length}/${tb.length} fan-out claims were committed before the crash`,
        ),
        check(
          'nothing_sent_before_crash',
          startedBefore.length === 0,
          `${startedBefore.length} fan-out agents started before the crash`,
        ),
        check(
          'same_attempt_sent_after_restart',
          h.tasks.filter((t) => run.task_ids.includes(t.id)).every((t) => t.attempt === 1),
          'every step completed on attempt 1 (the claimed attempt was sent, not replaced)',
        ),
      ],
      recovery_ms: upMs,
    };
  },
};
