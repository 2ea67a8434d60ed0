/**
 * Dispatch paths that must refuse rather than act twice or fail work: a task the scheduler claimed
 * cannot be claimed again by a manual dispatch; a manual dispatch with every runner busy is 409.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { claimReady } from '../../src/scheduler/dispatchPass.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('dispatch refusals', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('a task claimed by the scheduler cannot be claimed again by a manual dispatch', async () => {
    t = await makeTestApi({ dispatchMode: 'auto' });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    expect((await claimReady(t.ctx)).claimed.map((c) => c.taskId)).toEqual([plan]);
    const manual = await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect(manual.status).toBe(409);
    expect(manual.body.code).toBe('TASK_NOT_DISPATCHABLE');
    const audit = (await call(t.app, 'GET', `/tasks/${plan}/audit`)).body;
    expect(audit.attempts).toHaveLength(1);
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
});
