/**
 * Adversarial review: time-driven checks (time-to-start, liveness after a restart), capacity, locks
 * across retries and malformed runner input. Fake clock; sweep/claimReady/reconcileAtStart called
 * directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimReady } from '../../src/scheduler/dispatchPass.js';
import { reconcileAtStart } from '../../src/scheduler/reconciler.js';
import { sweep } from '../../src/scheduler/sweeper.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('review: scheduling and liveness', () => {
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
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/resume`, {})).body.status).toBe('created');
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

  it('manual dispatch while every runner is busy refuses (409) instead of failing the task and its run', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t, 'r1', 1);
    const a = await startRun(t, templateId);
    const b = await startRun(t, templateId);
    expect((await call(t.app, 'POST', `/tasks/${a.task_ids[0]}/dispatch`)).status).toBe(200);
    const busy = await call(t.app, 'POST', `/tasks/${b.task_ids[0]}/dispatch`);
    expect((await call(t.app, 'GET', `/tasks/${b.task_ids[0]}`)).body.status).toBe('created');
    expect((await call(t.app, 'GET', `/workflow-runs/${b.id}`)).body.status).not.toBe('failed');
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('NO_RUNNER_AVAILABLE');
  });

  it('a retried attempt takes its lock paths again even if the first attempt released them', async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 600_000, lostGraceMs: 600_000 });
    const root = fs.mkdtempSync(path.join(t.dir, 'proj-'));
    const proj = await call(t.app, 'POST', '/projects', {
      name: 'p',
      root_path: root,
      allowed_paths: [root],
    });
    expect(proj.status).toBe(200);
    const role = await call(t.app, 'POST', '/roles', {
      name: 'coder',
      execution_constraints: {
        retry_policy: { max_retries: 1, retry_on: ['timeout'], backoff_initial_ms: 1, jitter: 0 },
      },
    });
    expect(role.status).toBe(200);
    const mk = async (title: string, timeout: number) =>
      (
        await call(t.app, 'POST', '/tasks', {
          role_id: role.body.id,
          title,
          project_id: proj.body.id,
          lock_paths: [path.join(root, 'src')],
          timeout_seconds: timeout,
        })
      ).body.id as number;
    await registerRunner(t);
    const a = await mk('A', 10);
    const b = await mk('B', 3600);
    await call(t.app, 'POST', `/tasks/${a}/dispatch`);
    expect((await call(t.app, 'POST', `/tasks/${a}/locks/release`, {})).body.released_paths).toHaveLength(1);
    expect((await call(t.app, 'POST', `/tasks/${b}/dispatch`)).status).toBe(200);
    // A's first attempt times out and is retried while B holds the paths.
    t.clock.advance(11_000);
    expect((await sweep(t.ctx)).timedOut).toBe(1);
    expect((await call(t.app, 'GET', `/tasks/${a}`)).body).toMatchObject({
      status: 'created',
      retries_used: 1,
    });
    t.clock.advance(10);
    const again = await call(t.app, 'POST', `/tasks/${a}/dispatch`);
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('lock conflict');
  });

  it('refuses a runner report whose timestamps are not ISO-8601 (422, nothing stored)', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    const bad = await report(t, plan, { status: 'running', attempt: 1, started_at: 'yesterday-ish' });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('queued');
  });
});
