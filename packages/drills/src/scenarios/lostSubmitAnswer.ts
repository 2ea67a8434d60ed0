/**
 * Drill 12 — submit_answer_lost. The API's submit reaches the runner, which accepts and starts the
 * agent, but the answer (and the runner's first `running` report) arrive after the API's runner call
 * timeout: the outcome of the submit is unknown to the API. One retry on runner-transient failures.
 * Expected (DESIGN: "never run a step twice by accident"): the step is executed once — the API either
 * learns that the attempt runs (the runner's heartbeat lists it, reconciliation) or makes sure it is
 * stopped before another attempt starts — and no agent runs for an attempt the API recorded as never
 * started. The run succeeds.
 */
import type { Drill } from '../drill.js';
import { executionsKnownToApi } from '../oracles.js';
import { waitUntil } from '../procinfo.js';
import { check } from '../verdict.js';
import { waitRunTerminal } from '../workflow.js';
import { endChecks, flowAndRun, waitForEvent } from './common.js';
import { proxyStats, startProxiedStack } from './topology.js';

export const submitAnswerLost: Drill = {
  id: 'submit_answer_lost',
  name: 'Submit accepted by the runner, its answer lost to a timeout',
  summary: 'the runner starts an attempt whose submit answer times out: the step must still run once',
  timeoutMs: 90_000,
  budgets: () => ({ detection_ms: null, recovery_ms: null }),
  async run(ctx) {
    const { stack } = ctx;
    const links = await startProxiedStack(ctx, 1);
    const slow = ctx.timeouts.runnerCallTimeoutMs + 700;
    // Answers from the runner and its reports are late; requests to the runner are not.
    ctx.injected(
      `+${slow} ms on API→runner answers and on runner→API reports (runner call timeout ${ctx.timeouts.runnerCallTimeoutMs} ms)`,
    );
    links.runners[0]!.toRunner.addToxic({
      name: 'late_answers',
      type: 'latency',
      stream: 'downstream',
      attributes: { latency: slow },
    });
    links.callbacks.addToxic({
      name: 'late_reports',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: slow },
    });
    const run = await flowAndRun(ctx, {
      name: 'lost-answer',
      retries: 1,
      steps: [{ id: 'work', mock: { duration_ms: 2500 } }],
    });
    const t1 = run.task_ids[0]!;
    const failedSubmit = await waitForEvent(
      ctx,
      (e) =>
        e.task_id === t1 &&
        (e.event_type === 'task.runner_submit_failed' ||
          e.event_type === 'task.submit_unconfirmed' ||
          e.event_type === 'task.runner_queued'),
      15_000,
    );
    links.runners[0]!.toRunner.clearToxics();
    links.callbacks.clearToxics();
    ctx.fault.healed = true;
    ctx.log(`first submit outcome: ${failedSubmit?.event_type ?? 'none'}; toxics removed`);
    const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
    // Let late reports of the first attempt land before judging.
    await waitUntil(() => false, 2000, 500);
    const h = await ctx.collect();
    const attempt1Ran = h.ledger.some((l) => l.task_id === t1 && l.attempt === 1);
    // Fired: the API did not get the runner's answer to the first submit (it saw a failure or an
    // unconfirmed submit) while the runner did start attempt 1.
    ctx.fault.fired =
      (failedSubmit?.event_type === 'task.runner_submit_failed' ||
        failedSubmit?.event_type === 'task.submit_unconfirmed') &&
      attempt1Ran;
    if (!ctx.fault.fired)
      ctx.note('the first submit did not end in an unknown outcome that the runner nevertheless executed');
    const executions = h.ledger.filter((l) => l.task_id === t1);
    ctx.details.first_submit = failedSubmit
      ? { event: failedSubmit.event_type, payload: failedSubmit.payload }
      : null;
    ctx.details.attempts = h.attempts.filter((a) => a.task_id === t1);
    ctx.details.executions = executions;
    ctx.details.refused_reports = h.events
      .filter((e) => e.event_type === 'task.report_refused' && e.task_id === t1)
      .map((e) => e.payload);
    ctx.details.proxies = proxyStats(links);
    ctx.details.run_status = final;
    return {
      checks: [
        ...endChecks(ctx, h, 'success').filter((c) => c.name !== 'executions_known_to_api'),
        executionsKnownToApi(h),
        check(
          'step_executed_once',
          executions.length === 1,
          `${executions.length} executions of the step: ${executions.map((l) => `attempt ${l.attempt} (pid ${String(l.pid)})`).join(', ')}`,
        ),
      ],
    };
  },
};
