/**
 * Time-driven checks on a fake clock, with sweep/claimReady/reconcileAtStart called directly: time spent
 * paused does not count against time-to-start; after an API restart, a runner that answered
 * reconciliation is not declared lost, and one that did not shows as runner_unreachable_since.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { claimReady } from '../../src/scheduler/dispatchPass.js';
import { reconcileAtStart } from '../../src/scheduler/reconciler.js';
import { sweep } from '../../src/scheduler/sweeper.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('liveness and deadlines', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('time spent paused does not count against time-to-start', async () => {
    t = await makeTestApi({ dispatchMode: 'auto', defaultTimeToStartS: 10 });
    const { templateId } = await seedTwoStep(t);
    const run = await startRun(t, templateId);
    await sweep(t.ctx); // no runner reachable: the task starts waiting...
    expect(
      await t.store.read((sql) =>
        sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM tasks WHERE ready_since IS NOT NULL'),
      ),
    ).toEqual({ n: 1 });
    await call(t.app, 'POST', `/workflow-runs/${run.id}/pause`, {});
    t.clock.advance(60_000); // ...then the operator pauses the run for a minute
    await registerRunner(t);
    // a resumed run is running even before its first dispatch (docs/compatibility.md)
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/resume`, {})).body.status).toBe('running');
    expect((await sweep(t.ctx)).startTimedOut).toBe(0);
    expect((await claimReady(t.ctx)).claimed.map((c) => c.taskId)).toEqual([run.task_ids[0]]);
  });

  it('a runner that answered reconciliation is not declared lost by the first sweep after the restart', async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 5_000, lostGraceMs: 5_000 });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'running', attempt: 1 });
    t.clock.advance(6_000);
    expect((await sweep(t.ctx)).unreachable).toBe(1); // a short partition; then the API dies
    t.clock.advance(30_000); // the API is down longer than the grace; the runner is back meanwhile
    t.runner.tasks.set(plan, { task_id: plan, attempt: 1, status: 'running' });
    expect(await reconcileAtStart(t.ctx)).toEqual({ runners: 1, unreachable: 0 });
    // The scheduler's first pass runs a sweep before the runner's next heartbeat lands.
    expect((await sweep(t.ctx)).lost).toBe(0);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('running');
  });

  it('a runner that does not answer reconciliation shows on its tasks as runner_unreachable_since', async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 5_000, lostGraceMs: 5_000 });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'running', attempt: 1 });
    t.runner.unreachable = true;
    expect(await reconcileAtStart(t.ctx)).toEqual({ runners: 1, unreachable: 1 });
    await sweep(t.ctx);
    const task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task.status).toBe('running');
    expect(task.runner_unreachable_since).not.toBeNull();
  });
});
