/**
 * Drill 7 — duplicate_and_reordered_callbacks. The network duplicates and reorders runner reports:
 * the drill replays them against the real API with the real runner token, in a seeded order — a
 * burst of concurrent copies of a step's terminal report, a `running` that arrives after `success`,
 * a regression to `failed`, a report for an attempt that does not exist, and a duplicate `running`
 * while a step is still active. Expected: replays answer 200 and change nothing (recorded as
 * duplicates), late/regressing/foreign reports answer 409 with their stable code (recorded as
 * refusals), the task and run are unchanged, and the active step still completes exactly once.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { ApiClient } from '../client.js';
import { executedExactlyOnce } from '../oracles.js';
import { check } from '../verdict.js';
import { getTask, waitRunning, waitRunTerminal, waitTask, type TaskView } from '../workflow.js';
import { endChecks, flowAndRun, startStack } from './common.js';

interface Sent {
  kind: string;
  status: number;
  code: string | null;
}

const SAME = (a: TaskView, b: TaskView) =>
  a.status === b.status &&
  a.attempt === b.attempt &&
  a.finished_at === b.finished_at &&
  a.exit_code === b.exit_code;

export const duplicateAndReorderedCallbacks: Drill = {
  id: 'duplicate_and_reordered_callbacks',
  name: 'Duplicated and reordered runner reports',
  summary: 'replayed terminal reports, late running after success, regressions: nothing changes',
  timeoutMs: 60_000,
  budgets: () => ({ detection_ms: null, recovery_ms: null }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx);
    const run = await flowAndRun(ctx, {
      name: 'dupes',
      steps: [
        { id: 'step1', mock: { duration_ms: 200 } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 2500 } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    steady(await waitTask(stack.client, t1, (t) => t.status === 'success', 15_000), 'step 1 succeeded');
    steady(await waitRunning(stack.client, stack.ledgerFile, t2, 1, 15_000), 'step 2 running');
    const runner = new ApiClient(stack.apiUrl, 5000, { 'x-runner-token': stack.runnerToken() });
    const sent: Sent[] = [];
    const post = async (kind: string, task: number, body: Record<string, unknown>) => {
      const a = await runner.call<{ code?: string }>('POST', `/runner/tasks/${task}/status`, body);
      sent.push({ kind, status: a.status, code: a.body?.code ?? null });
      return a;
    };
    try {
      const before = await getTask(stack.client, t1);
      const lastIdBefore = Math.max(
        0,
        ...(await stack.client.get<Array<{ id: number }>>('/events?limit=100000')).map((e) => e.id),
      );
      // While step 2 runs: its `running` report arrives again.
      ctx.injected('duplicate running report for the active step 2');
      await post('duplicate_running_active', t2, { status: 'running', attempt: 1 });
      const stillRunning = await getTask(stack.client, t2);
      const replays = ctx.num('replays');
      for (const kind of ctx.schedule.order as string[]) {
        ctx.injected(`${kind} for step 1 (success, attempt 1)`);
        if (kind === 'replay_success')
          await Promise.all(
            Array.from({ length: replays }, () =>
              post(kind, t1, { status: 'success', attempt: 1, exit_code: 0, stdout: 'replayed' }),
            ),
          );
        if (kind === 'late_running') await post(kind, t1, { status: 'running', attempt: 1 });
        if (kind === 'regress_failed')
          await post(kind, t1, { status: 'failed', attempt: 1, exit_code: 1, stderr: 'late failure' });
        if (kind === 'other_terminal') await post(kind, t1, { status: 'canceled', attempt: 1 });
        if (kind === 'future_attempt') await post(kind, t1, { status: 'success', attempt: 2, exit_code: 0 });
      }
      const after = await getTask(stack.client, t1);
      const final = await waitRunTerminal(stack.client, run.run_id, 20_000);
      ctx.fault.healed = true;
      const h = await ctx.collect();
      ctx.fault.fired = sent.length === replays + 5;
      const of = (k: string) => sent.filter((s) => s.kind === k);
      const dupEvents = h.events.filter((e) => e.event_type === 'task.report_duplicate');
      const refusals = h.events.filter((e) => e.event_type === 'task.report_refused');
      const refusedSent = sent.filter((s) => s.status === 409).length;
      const okSent = sent.filter((s) => s.status === 200).length;
      // Everything written about step 1 after it succeeded is a duplicate or a refusal record.
      const laterForStep1 = h.events.filter((e) => e.task_id === t1 && e.id > lastIdBefore);
      const recordsOnly = laterForStep1.every(
        (e) => e.event_type === 'task.report_duplicate' || e.event_type === 'task.report_refused',
      );
      ctx.details.sent = sent;
      ctx.details.step1_before = {
        status: before.status,
        attempt: before.attempt,
        finished_at: before.finished_at,
      };
      ctx.details.step1_after = {
        status: after.status,
        attempt: after.attempt,
        finished_at: after.finished_at,
      };
      ctx.details.run_status = final;
      return {
        checks: [
          ...endChecks(ctx, h, 'success'),
          executedExactlyOnce(h, [t1, t2]),
          check(
            'replays_are_idempotent',
            of('replay_success').every((s) => s.status === 200) &&
              of('duplicate_running_active')[0]?.status === 200,
            `${okSent} replays answered 200`,
          ),
          check(
            'late_running_refused',
            of('late_running')[0]?.status === 409 && of('late_running')[0]?.code === 'ILLEGAL_TRANSITION',
            JSON.stringify(of('late_running')[0]),
          ),
          check(
            'regression_refused',
            of('regress_failed')[0]?.status === 409 && of('regress_failed')[0]?.code === 'ILLEGAL_TRANSITION',
            JSON.stringify(of('regress_failed')[0]),
          ),
          check(
            'other_terminal_refused',
            of('other_terminal')[0]?.status === 409,
            JSON.stringify(of('other_terminal')[0]),
          ),
          check(
            'unknown_attempt_refused',
            of('future_attempt')[0]?.status === 409 && of('future_attempt')[0]?.code === 'STALE_ATTEMPT',
            JSON.stringify(of('future_attempt')[0]),
          ),
          check(
            'task_unchanged_by_replays',
            SAME(before, after),
            `step 1 ${before.status}/${before.attempt} → ${after.status}/${after.attempt}`,
          ),
          check(
            'active_step_unmoved_by_duplicate',
            stillRunning.status === 'running' && stillRunning.attempt === 1,
            `step 2 was ${stillRunning.status} right after the duplicate`,
          ),
          check(
            'every_replay_recorded',
            dupEvents.length === okSent && refusals.length === refusedSent,
            `${dupEvents.length} duplicates and ${refusals.length} refusals recorded for ${okSent} + ${refusedSent} sent`,
          ),
          check(
            'only_records_written_for_step1',
            recordsOnly && laterForStep1.length === sent.length - 1,
            `${laterForStep1.length} events about step 1 after its success: ${[...new Set(laterForStep1.map((e) => e.event_type))].join(', ')}`,
          ),
        ],
      };
    } finally {
      await runner.close();
    }
  },
};
