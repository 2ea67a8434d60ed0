/**
 * Drill 4 — runner_paused_then_resumed. Two runners, one retry on runner-transient failures. The
 * runner holding step 1 is frozen with SIGSTOP for longer than its heartbeat timeout plus the lost
 * grace (its agent, in its own process group, keeps running and finishes meanwhile), then thawed with
 * SIGCONT. Expected: the API declares the attempt lost and retries it on the other runner; when the
 * zombie runner wakes up and reports its attempt, that report is refused as stale; the step completes
 * exactly once in the API's records (one successful attempt), and the run succeeds.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { lateReportRefused, msUntilEvent } from '../oracles.js';
import { HAS_PROC, stateOf } from '../procinfo.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import {
  attemptStatus,
  endChecks,
  firstEvent,
  flowAndRun,
  holderOf,
  sleep,
  startStack,
  waitForEvent,
} from './common.js';

export const runnerPausedThenResumed: Drill = {
  id: 'runner_paused_then_resumed',
  name: 'Runner frozen (SIGSTOP) past its lease, then resumed',
  summary: 'SIGSTOP the runner past heartbeat timeout + grace, then SIGCONT: the zombie attempt is fenced',
  timeoutMs: 90_000,
  budgets: (t) => ({
    detection_ms: t.heartbeatTimeoutMs + 1500,
    recovery_ms: t.heartbeatTimeoutMs + t.lostGraceMs + 6000,
  }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx, 2);
    const run = await flowAndRun(ctx, {
      name: 'paused',
      retries: 1,
      steps: [
        { id: 'step1', mock: { duration_ms: 2000, lines: ['step1 done'] } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300 } },
      ],
    });
    const [t1] = run.task_ids as [number, number];
    steady(await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000), 'step 1 running');
    const victim = await holderOf(ctx, t1);
    await sleep(ctx.num('pause_after_running_ms'));
    const pausedAt = ctx.injected(
      `SIGSTOP ${victim.name} (pid ${victim.proc.pid}) for ${ctx.num('pause_ms')} ms`,
    );
    victim.proc.signal('SIGSTOP');
    await sleep(100);
    const frozen = HAS_PROC ? stateOf(victim.proc.pid) === 'T' : null;
    await sleep(ctx.num('pause_ms') - 100);
    const lostWhilePaused = (await attemptStatus(ctx, t1, 1)) === 'lost';
    victim.proc.signal('SIGCONT');
    const resumedAt = Date.now();
    ctx.log(`SIGCONT ${victim.name}; task moved on while frozen: ${lostWhilePaused}`);
    ctx.fault.healed = stateOf(victim.proc.pid) !== 'T';
    const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
    await waitForEvent(
      ctx,
      (e) =>
        e.event_type === 'task.report_refused' &&
        e.task_id === t1 &&
        Number(e.payload.reported_attempt) === 1,
      10_000,
    );
    const h = await ctx.collect();

    ctx.fault.fired = frozen !== false && lostWhilePaused;
    const attempts = h.attempts.filter((a) => a.task_id === t1);
    const success = firstEvent(h, (e) => e.task_id === t1 && e.payload.to === 'success');
    ctx.details.frozen_runner = { id: victim.id, name: victim.name, kernel_state_T: frozen };
    ctx.details.attempts = attempts;
    ctx.details.resumed_at = new Date(resumedAt).toISOString();
    ctx.details.run_status = final;
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        frozen === null
          ? inconclusiveCheck('runner_was_frozen', 'no /proc: cannot confirm the stopped state')
          : check('runner_was_frozen', frozen, `kernel state of ${victim.proc.pid} was T (stopped)`),
        check(
          'zombie_attempt_lost',
          attempts.find((a) => a.attempt === 1)?.status === 'lost',
          `attempt 1 is ${attempts.find((a) => a.attempt === 1)?.status}`,
        ),
        check(
          'completed_by_new_attempt',
          success?.payload.attempt === 2 && success.payload.runner_id !== victim.id,
          `success from attempt ${String(success?.payload.attempt)} on runner ${String(success?.payload.runner_id)}`,
        ),
        lateReportRefused(h, t1, 1),
      ],
      detection_ms: msUntilEvent(
        h,
        pausedAt,
        (e) => e.event_type === 'runner.unreachable' && e.payload.runner_id === victim.id,
      ),
      recovery_ms: msUntilEvent(h, pausedAt, (e) => e.task_id === t1 && e.payload.to === 'success'),
    };
  },
};
