/**
 * Adversarial review, guarantees that held: regression tests for races and edge cases that the
 * current code handles (abort during a submit, two dispatch paths, fencing during a retry backoff,
 * absorbing terminal states, cascade in runs from standalone tasks, malformed reports).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerClient } from '../../src/scheduler/runnerClient.js';
import { claimReady } from '../../src/scheduler/dispatchPass.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

type SubmitBody = Parameters<RunnerClient['submit']>[1];

describe('review: regression guards', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 60_000, lostGraceMs: 60_000 });
  });
  afterEach(() => t.close());

  it('an abort while the submit is in flight keeps the task canceled and owes the runner a cancel', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    const orig = t.runner.submit.bind(t.runner);
    t.runner.submit = async (url: string, body: SubmitBody) => {
      const a = await call(t.app, 'POST', `/workflow-runs/${run.id}/abort`, { reason: 'stop' });
      expect(a.body.status).toBe('aborted');
      return orig(url, body);
    };
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    const task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task).toMatchObject({ status: 'canceled', failure_category: 'canceled' });
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('aborted');
    const hb = await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: plan, attempt: 1, status: 'running' }] },
      H,
    );
    expect(hb.body.cancel).toEqual([{ task_id: plan, attempt: 1 }]);
    expect((await report(t, plan, { status: 'success', attempt: 1 })).body.code).toBe('ILLEGAL_TRANSITION');
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('canceled');
  });

  it('a task claimed by the scheduler cannot be claimed again by a manual dispatch', async () => {
    await t.close();
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

  it('during a retry backoff, reports of the lost attempt are fenced and change nothing', async () => {
    const { templateId } = await seedTwoStep(t, {
      retry: { max_retries: 1, retry_on: ['runner-transient'], backoff_initial_ms: 5000, jitter: 0 },
    });
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'running', attempt: 1 });
    // the runner restarted and lost the attempt: retried per policy
    await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1', capacity: 4, attempts: [] },
      H,
    );
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'created',
      retries_used: 1,
    });
    for (const body of [
      { status: 'success', attempt: 1 },
      { status: 'running', attempt: 1 },
      { status: 'failed', attempt: 1 },
    ]) {
      const r = await report(t, plan, body);
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('STALE_ATTEMPT');
    }
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'created',
      attempt: 1,
    });
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('running');
  });

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

  it('refuses a malformed report with 422 and leaves the task and its events unchanged', async () => {
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    const before = (await call(t.app, 'GET', `/events?task_id=${plan}`)).body.length;
    for (const body of [
      { status: 'done' },
      { status: 'success', attempt: 0 },
      { status: 'success', exit_code: 'x' },
    ]) {
      const r = await report(t, plan, body);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('queued');
    expect((await call(t.app, 'GET', `/events?task_id=${plan}`)).body.length).toBe(before);
  });
});
