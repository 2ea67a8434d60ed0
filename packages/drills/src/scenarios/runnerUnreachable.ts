/**
 * Drill 2 — runner_unreachable_active_run. A two-step run is active: step 1 ran on the only runner,
 * step 2 waits at an approval gate. The runner is stopped (seeded: SIGTERM or kill -9), then the
 * approval is granted. Expected: step 2 becomes `submit-failed` with category runner-submit and
 * non-empty triage hints naming the runner, and the run `failed`.
 * - kill -9: the API still counts the runner online (its heartbeat timeout has not passed), so it
 *   submits step 2 to the dead runner; the drill checks the task whose submit actually hit it (taken
 *   from the event log).
 * - SIGTERM: a graceful stop announces itself (draining, then offline), so nothing is sent to a runner
 *   that is going away; step 2 waits for a runner as long as its time-to-start allows (2 s here), then
 *   fails submit-failed, naming the runner that stopped. The work of a restarted runner is never failed.
 */
import net from 'node:net';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { executedExactlyOnce, msUntilEvent } from '../oracles.js';
import { HOST } from '../stack.js';
import { check } from '../verdict.js';
import { waitRunTerminal, waitTask } from '../workflow.js';
import { endChecks, firstEvent, flowAndRun, sleep, stopProcess } from './common.js';

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** How long step 2 may wait for a runner once the only one has stopped gracefully. */
const TIME_TO_START_S = 2;

export const runnerUnreachableActiveRun: Drill = {
  id: 'runner_unreachable_active_run',
  name: 'Runner stopped while a run is active',
  summary: 'stop the only runner mid-run; the next task submitted to it must fail submit-failed with triage',
  timeoutMs: 60_000,
  budgets: (t) => ({
    detection_ms: Math.max(t.runnerCallTimeoutMs, TIME_TO_START_S * 1000) + 3000,
    recovery_ms: Math.max(t.runnerCallTimeoutMs, TIME_TO_START_S * 1000) + 5000,
  }),
  async run(ctx) {
    const { stack } = ctx;
    const client = stack.client;
    // The product's default heartbeat timeout (5 s): the realistic window in which a runner that just
    // died still counts as online, which is when a submit hits a dead runner.
    await stack.startApi({
      env: { MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: '5000', MULTYAGENTS_TIME_TO_START_S: String(TIME_TO_START_S) },
    });
    await stack.startRunner(0);
    const run = await flowAndRun(ctx, {
      name: 'unreachable',
      steps: [
        { id: 'step1', mock: { duration_ms: 300, lines: ['step1 done'] } },
        { id: 'step2', depends_on: ['step1'], requires_approval: true, mock: { duration_ms: 300 } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    steady(
      await waitTask(client, t1, (t) => t.status === 'success', 15_000),
      'step 1 succeeded on the runner',
    );
    const approval = steady(
      await waitTask(client, t2, () => true, 1000).then(() =>
        client.get<{ id: number; status: string }>(`/tasks/${t2}/approval`),
      ),
      'step 2 has an approval gate',
    );
    steady(approval.status === 'pending', `approval of step 2 pending (is ${approval.status})`);
    const runner = stack.runners[0]!;
    await ctx.snapshot();

    const sig = ctx.str<'SIGTERM' | 'SIGKILL'>('stop_signal');
    const stoppedAt = ctx.injected(
      `runner ${sig} (pid ${runner.proc.pid}) while the run waits at step 2's approval`,
    );
    const gone = await stopProcess(runner.proc, sig);
    const refused = await refuses(runner.port);
    await sleep(ctx.num('approve_after_stop_ms'));
    const seenAs = (await client.get<Array<{ id: number; liveness: string }>>('/runners')).find(
      (r) => r.id === runner.id,
    )?.liveness;
    await client.post(`/approvals/${approval.id}/approve`, {
      actor: 'chaos-drill',
      comment: 'approve into a dead runner',
    });
    const approvedAt = Date.now();
    ctx.log(`runner gone=${gone} port refuses=${refused}, API saw it ${seenAs}; approved step 2`);

    await waitTask(
      client,
      t2,
      (t) => ['submit-failed', 'failed', 'success', 'canceled'].includes(t.status),
      20_000,
    );
    const final = await waitRunTerminal(client, run.run_id, 20_000);
    ctx.fault.healed = true; // nothing to heal: the runner stays down on purpose, the run must fail cleanly
    const h = await ctx.collect();

    // The task that actually hit the dead runner, from the event log — not the one we hoped for.
    const dispatchedToDead = h.events.filter(
      (e) =>
        e.event_type === 'task.dispatched' &&
        e.payload.runner_id === runner.id &&
        Date.parse(e.created_at) >= stoppedAt - 5,
    );
    // A graceful stop: the API knew the runner was gone (offline), so step 2 failed its time-to-start.
    const gracefullyStopped =
      sig === 'SIGTERM' &&
      h.events.some((e) => e.event_type === 'runner.offline' && e.payload.runner_id === runner.id);
    const hit = h.events.find(
      (e) =>
        e.event_type === 'task.runner_submit_failed' &&
        (gracefullyStopped
          ? e.task_id === t2 && e.payload.reason === 'time-to-start exceeded'
          : dispatchedToDead.some((d) => d.task_id === e.task_id) &&
            typeof e.payload.runner_url === 'string' &&
            e.payload.runner_url === runner.url),
    );
    ctx.fault.fired = gone && refused && hit !== undefined;
    if (!hit)
      ctx.note(
        sig === 'SIGTERM'
          ? 'the stopped runner was not marked offline, or step 2 did not fail its time-to-start'
          : 'no submit reached the dead runner (the API may have known it was gone already)',
      );
    const hitTask = h.tasks.find((t) => t.id === (hit?.task_id ?? t2));
    const hints = hitTask?.failure_triage_hints ?? [];
    const namesRunner = hints.some((x) => x.includes(runner.url) || x.includes(runner.name));
    ctx.details.heartbeat_timeout_ms = 5000;
    ctx.details.time_to_start_s = TIME_TO_START_S;
    ctx.details.graceful_stop_seen = gracefullyStopped;
    ctx.details.runner = {
      id: runner.id,
      name: runner.name,
      url: runner.url,
      stopped_with: sig,
      api_saw_it: seenAs,
    };
    ctx.details.hit_task = hitTask
      ? {
          id: hitTask.id,
          status: hitTask.status,
          failure_category: hitTask.failure_category,
          failure_triage_hints: hints,
        }
      : null;
    ctx.details.submit_error = hit?.payload.error ?? null;
    ctx.details.run_status = final;

    const failedAt = msUntilEvent(
      h,
      stoppedAt,
      (e) => e.event_type === 'workflow_run.failed' && e.run_id === run.run_id,
    );
    return {
      checks: [
        ...endChecks(ctx, h, 'failed'),
        check(
          'submitted_task_is_submit_failed',
          hitTask?.status === 'submit-failed',
          `task ${hitTask?.id ?? '?'} is ${hitTask?.status ?? 'unknown'}`,
        ),
        check(
          'failure_category_runner_submit',
          hitTask?.failure_category === 'runner-submit',
          `category ${hitTask?.failure_category ?? 'none'}`,
        ),
        check(
          'triage_hints_name_the_runner',
          hints.length > 0 && namesRunner,
          hints.length ? hints.slice(0, 3).join(' | ') : 'no triage hints',
        ),
        executedExactlyOnce(h, [t1]),
        check(
          'dead_runner_never_executed_step2',
          !h.ledger.some((l) => l.task_id === t2),
          `${h.ledger.filter((l) => l.task_id === t2).length} executions of step 2`,
        ),
        check(
          'run_failed_names_task',
          firstEvent(h, (e) => e.event_type === 'workflow_run.failed' && e.run_id === run.run_id)?.payload
            .failed_task_id === hitTask?.id,
          'workflow_run.failed names the task that hit the dead runner',
        ),
      ],
      detection_ms: msUntilEvent(
        h,
        approvedAt,
        (e) => e.event_type === 'task.runner_submit_failed' && e.task_id === hitTask?.id,
      ),
      recovery_ms: failedAt,
    };
  },
};
