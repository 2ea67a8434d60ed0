/**
 * Drill 17 — api_paused_reports_due. Three parallel steps (seeded durations) then a join. Once they
 * run, the API process is frozen with SIGSTOP for 10 s: the agents finish meanwhile, so their reports
 * fall due while nobody answers (heartbeats and reports time out on the runner's side and wait in
 * its outbox). Then SIGCONT. Expected: nothing lost — every report applied after the resume, no
 * attempt declared lost or retried (the runner was never the one that stopped), each step once, the
 * run succeeds, nothing acknowledged before the pause lost.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { ApiClient } from '../client.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { HAS_PROC, stateOf, waitUntil } from '../procinfo.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { at, endChecks, eventsOf, firstEvent, flowAndRun, sleep, startStack } from './common.js';

interface RunnerAttempt {
  status: string;
  reported: boolean;
}

export const apiPausedReportsDue: Drill = {
  id: 'api_paused_reports_due',
  name: 'API frozen (SIGSTOP) for 10 s while reports are due',
  summary: 'SIGSTOP the API for 10 s while three steps finish; after SIGCONT nothing is lost or retried',
  timeoutMs: 120_000,
  budgets: (t) => ({ detection_ms: null, recovery_ms: t.outboxCapMs + t.runnerApiTimeoutMs + 5000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx, 1, 4);
    const durations = ctx.schedule.step_ms as number[];
    const steps = durations.map((d, i) => ({
      id: `s${i + 1}`,
      mock: { duration_ms: d, lines: [`s${i + 1} done`] },
    }));
    const run = await flowAndRun(ctx, {
      name: 'api-paused',
      steps: [...steps, { id: 'join', depends_on: steps.map((s) => s.id), mock: { duration_ms: 200 } }],
    });
    const ts = run.task_ids.slice(0, durations.length);
    for (const id of ts)
      steady(await waitRunning(stack.client, stack.ledgerFile, id, 1, 15_000), `step of task ${id} running`);
    const runner = stack.runners[0]!;
    const direct = new ApiClient(runner.url, 3000, { 'x-runner-token': stack.runnerToken() });
    try {
      await sleep(ctx.num('pause_after_running_ms'));
      await ctx.snapshot();
      const api = stack.api!;
      const pauseMs = ctx.num('pause_ms');
      const pausedAt = ctx.injected(`SIGSTOP API (pid ${api.pid}) for ${pauseMs} ms`);
      api.signal('SIGSTOP');
      await sleep(100);
      const frozen = HAS_PROC ? stateOf(api.pid) === 'T' : null;
      // The runner's own view, while the API cannot answer: which attempts finished with the report held.
      const heldIds = new Set<number>();
      let pendingMax = 0;
      const until = pausedAt + pauseMs;
      for (let i = 0; i < 1000 && Date.now() < until - 200; i++) {
        for (const id of ts) {
          const a = await direct.get<RunnerAttempt>(`/tasks/${id}`).catch(() => null);
          if (a && a.status !== 'running' && !a.reported) heldIds.add(id);
        }
        const hRunner = await direct.get<{ outbox_pending: number }>('/health').catch(() => null);
        pendingMax = Math.max(pendingMax, hRunner?.outbox_pending ?? 0);
        await sleep(Math.min(300, Math.max(0, until - Date.now())));
      }
      await sleep(Math.max(0, until - Date.now()));
      api.signal('SIGCONT');
      const resumedAt = Date.now();
      ctx.fault.healed = stateOf(api.pid) !== 'T';
      ctx.log(`SIGCONT API; ${heldIds.size} reports were held by the runner (outbox max ${pendingMax})`);
      const delivered = await waitUntil(async () => {
        const all = await Promise.all(
          ts.map((id) => direct.get<RunnerAttempt>(`/tasks/${id}`).catch(() => null)),
        );
        return all.every((a) => a?.reported === true);
      }, 20_000);
      const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
      ctx.log(`run ${run.run_id} ended ${final}`);
      const h = await ctx.collect();

      const appliedAfter = [...heldIds].map((id) =>
        at(firstEvent(h, (e) => e.task_id === id && e.payload.to === 'success')),
      );
      const lostOrRetried = eventsOf(
        h,
        (e) =>
          run.task_ids.includes(e.task_id ?? -1) &&
          (e.event_type === 'task.runner_lost' || e.event_type === 'task.retry_scheduled'),
      );
      const unreachable = eventsOf(h, (e) => e.event_type === 'runner.unreachable');
      ctx.fault.fired = frozen !== false && heldIds.size > 0;
      if (heldIds.size === 0) ctx.note('no report fell due during the pause');
      ctx.details.pause = {
        api_pid: api.pid,
        kernel_state_T: frozen,
        pause_ms: pauseMs,
        reports_held_during_pause: [...heldIds],
        outbox_pending_max: pendingMax,
        resumed_at: new Date(resumedAt).toISOString(),
        runner_unreachable_events: unreachable.length,
      };
      const lastApplied = appliedAfter.every((x) => x !== null)
        ? Math.max(...appliedAfter.map((x) => x as number))
        : null;
      return {
        checks: [
          ...endChecks(ctx, h, 'success'),
          executedExactlyOnce(h, run.task_ids),
          acknowledgedDurable(ctx.snapshots, h),
          frozen === null
            ? inconclusiveCheck('api_was_frozen', 'no /proc: cannot confirm the stopped state')
            : check('api_was_frozen', frozen, `kernel state of ${api.pid} was T (stopped)`),
          check(
            'held_reports_applied_after_resume',
            appliedAfter.every((x) => x !== null && x >= resumedAt - 5),
            `${heldIds.size} reports held during the pause, applied after SIGCONT: ${appliedAfter.filter((x) => x !== null).length}`,
          ),
          check('runner_outbox_drained', Boolean(delivered), 'the runner marks every report delivered'),
          check(
            'no_false_runner_unreachable',
            unreachable.length === 0,
            `${unreachable.length} runner.unreachable events (the API was the one frozen)`,
          ),
          check(
            'stall_recorded',
            eventsOf(h, (e) => e.event_type === 'api.stalled').length > 0,
            'the API recorded its own stall (api.stalled) and gave its runners a fresh timeout',
          ),
          check(
            'nothing_lost_or_retried',
            lostOrRetried.length === 0 &&
              h.tasks.filter((t) => run.task_ids.includes(t.id)).every((t) => t.attempt === 1),
            `${lostOrRetried.length} runner_lost/retry events; every step on attempt 1`,
          ),
        ],
        recovery_ms: lastApplied === null ? null : Math.max(0, lastApplied - resumedAt),
      };
    } finally {
      await direct.close();
    }
  },
};
