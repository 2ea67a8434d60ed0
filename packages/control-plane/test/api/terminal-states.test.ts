/**
 * Terminal states are absorbing: cancels and reports change nothing once a task is terminal, and a run
 * made of standalone tasks fails and cancels the rest when one of them is canceled.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('terminal states', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 60_000, lostGraceMs: 60_000 });
  });
  afterEach(() => t.close());

  it('terminal task states are absorbing for cancels and reports', async () => {
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'success', attempt: 1, exit_code: 0 });
    expect((await call(t.app, 'POST', `/tasks/${plan}/cancel`, {})).body.code).toBe('TASK_NOT_CANCELABLE');
    for (const status of ['failed', 'canceled', 'running']) {
      expect((await report(t, plan, { status, attempt: 1 })).body.code).toBe('ILLEGAL_TRANSITION');
    }
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'success',
      exit_code: 0,
    });
  });

  it('a run made of standalone tasks fails and cancels the rest when one task is canceled', async () => {
    const { roleId } = await seedTwoStep(t);
    const ids: number[] = [];
    for (const title of ['one', 'two']) {
      ids.push((await call(t.app, 'POST', '/tasks', { role_id: roleId, title })).body.id);
    }
    const run = (await call(t.app, 'POST', '/workflow-runs', { task_ids: ids })).body;
    expect(run.status).toBe('created');
    await call(t.app, 'POST', `/tasks/${ids[0]}/cancel`, {});
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('failed');
    expect((await call(t.app, 'GET', `/tasks/${ids[1]}`)).body.status).toBe('canceled');
  });
});
