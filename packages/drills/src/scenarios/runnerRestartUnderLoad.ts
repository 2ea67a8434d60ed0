/**
 * Drill 14 — runner_restart_under_load. One runner (capacity 4) and a burst of two-step runs, no
 * retries. While work is running and more is queued, the runner is restarted gracefully (SIGTERM,
 * then the same identity started again), twice, with the product's default drain grace (10 s): it
 * finishes what it holds. A draining runner is a busy runner: it announces the
 * drain, submits that still reach it are answered 503 RUNNER_DRAINING and go back to ready without
 * spending a retry, and the restarted runner takes the work. Expected: every run succeeds — none
 * fails for the restart — each step executed once, and the restarted runner did take work.
 */
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { msUntilEvent } from '../oracles.js';
import { check } from '../verdict.js';
import { createFlow, startRun, waitRunTerminal } from '../workflow.js';
import { endChecks, sleep, stopProcess } from './common.js';

export const runnerRestartUnderLoad: Drill = {
  id: 'runner_restart_under_load',
  name: 'Runner restarted gracefully under a burst of runs',
  summary: 'restart the only runner (SIGTERM) twice while a burst of runs is in flight: no run fails for it',
  timeoutMs: 120_000,
  budgets: (t) => ({
    detection_ms: null,
    recovery_ms: t.startupMs,
  }),
  async run(ctx) {
    const { stack } = ctx;
    const client = stack.client;
    // The product's default drain grace: a restart lets running steps finish instead of interrupting them.
    await stack.startApi();
    await stack.startRunner(0, { capacity: 4, drainMs: 10_000 });
    steady(await client.healthy(), 'API healthy');
    const flow = await createFlow(client, {
      name: 'restart-burst',
      steps: [
        { id: 'plan', mock: { duration_ms: 150 } },
        { id: 'build', depends_on: ['plan'], mock: { duration_ms: 150 } },
      ],
    });
    const runs = ctx.num('runs');
    for (let i = 0; i < runs; i++) ctx.created.push(await startRun(client, flow.template_id));
    const restarts: Array<{ at: number; pending: number; graceful: boolean; back: boolean }> = [];
    for (const delay of ctx.schedule.restart_after_ms as number[]) {
      await sleep(delay);
      // The handle of the process running now (each start makes a new one).
      const runner = stack.runners[0]!;
      const pending = (
        await client.get<Array<{ status: string }>>(`/workflow-runs?limit=${runs + 10}`)
      ).filter((r) => r.status === 'created' || r.status === 'running').length;
      const at = ctx.injected(
        `SIGTERM ${runner.name} (pid ${runner.proc.pid}) with ${pending} runs open, then start it again`,
      );
      const graceful = (await stopProcess(runner.proc, 'SIGTERM')) && runner.proc.exit?.code === 0;
      const back = (await stack.startRunner(0)).proc.running;
      restarts.push({ at, pending, graceful, back });
      ctx.log(`restart: ${pending} runs open, exited cleanly=${graceful}, back=${back}`);
    }
    steady(restarts.length > 0, 'the schedule has restarts');
    const runner = stack.runners[0]!;
    const statuses = await Promise.all(ctx.created.map((c) => waitRunTerminal(client, c.run_id, 60_000)));
    ctx.fault.healed = runner.proc.running;
    const h = await ctx.collect();
    ctx.fault.fired = restarts.every((r) => r.graceful && r.back && r.pending > 0);
    const failed = ctx.created.filter((_, i) => statuses[i] !== 'success');
    const requeued = h.events.filter(
      (e) => e.event_type === 'task.retry_scheduled' && e.payload.requeue === true,
    );
    const drains = h.events.filter(
      (e) => e.event_type === 'runner.draining' && e.payload.runner_id === runner.id,
    );
    const lastRestart = restarts[restarts.length - 1]!;
    const tookWork = h.events.some(
      (e) =>
        e.event_type === 'task.dispatched' &&
        e.payload.runner_id === runner.id &&
        Date.parse(e.created_at) >= lastRestart.at,
    );
    ctx.details.runs = runs;
    ctx.details.restarts = restarts.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    ctx.details.requeued_submits = requeued.length;
    ctx.details.drain_announcements = drains.length;
    ctx.details.retries_spent = h.tasks.reduce(
      (n, t) => n + Number((t as { retries_used?: number }).retries_used ?? 0),
      0,
    );
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        check(
          'no_run_failed_for_the_restart',
          failed.length === 0,
          failed.length
            ? `runs ${failed.map((c) => c.run_id).join(',')} did not succeed`
            : `${runs} runs succeeded across ${restarts.length} restarts`,
        ),
        check(
          'drain_announced',
          drains.length >= restarts.length,
          `${drains.length} drain announcements for ${restarts.length} restarts`,
        ),
        check(
          'restarted_runner_took_work',
          tookWork,
          tookWork
            ? 'tasks were dispatched to the runner after its last restart'
            : 'no dispatch after the last restart',
        ),
      ],
      recovery_ms: msUntilEvent(
        h,
        lastRestart.at,
        (e) => e.event_type === 'task.dispatched' && e.payload.runner_id === runner.id,
      ),
    };
  },
};
