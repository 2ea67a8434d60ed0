import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

/**
 * What the runner relies on from the API's report handling (runner/journal.ts, "Durability"): a lone
 * terminal report (the `running` one was superseded) is enough, and a late `runner-restarted` report
 * sent after a power loss cost the runner its record of an already delivered outcome changes nothing.
 */
describe('runner reports as the runner sends them', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  async function queuedTask(retry?: Record<string, unknown>) {
    const { templateId } = await seedTwoStep(t, retry ? { retry } : {});
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('queued');
    return { plan, runId: run.id };
  }

  const restarted = {
    status: 'failed',
    attempt: 1,
    exit_code: null,
    failure_step: 'runner-restarted',
    message: 'the runner restarted while the agent was running',
  };

  it('accepts a terminal report straight from queued and records its started_at', async () => {
    const { plan, runId } = await queuedTask();
    const startedAt = new Date(t.clock.now() - 5000).toISOString();
    const r = await report(t, plan, { status: 'success', attempt: 1, exit_code: 0, started_at: startedAt });
    expect(r.status).toBe(200);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'success',
      started_at: startedAt,
    });
    expect((await call(t.app, 'GET', `/workflow-runs/${runId}`)).body.status).toBe('running');
  });

  it('a late runner-restarted report after a delivered success is refused with 409, nothing changes', async () => {
    const { plan } = await queuedTask();
    await report(t, plan, { status: 'success', attempt: 1, exit_code: 0 });
    const late = await report(t, plan, restarted);
    expect(late.status).toBe(409);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('success');
  });

  it('after a delivered failure it is a no-op 200 that keeps the first outcome', async () => {
    const { plan } = await queuedTask();
    await report(t, plan, {
      status: 'failed',
      attempt: 1,
      exit_code: 3,
      failure_step: 'run',
      message: 'exit 3',
    });
    const late = await report(t, plan, restarted);
    expect(late.status).toBe(200);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'failed',
      exit_code: 3,
      failure_step: 'run',
    });
  });

  it('after a delivered failure that was retried it is refused as stale', async () => {
    const { plan } = await queuedTask({ max_retries: 1, retry_on: ['agent-error'], jitter: 0 });
    await report(t, plan, {
      status: 'failed',
      attempt: 1,
      exit_code: 3,
      failure_step: 'run',
      message: 'exit 3',
    });
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'created',
      retries_used: 1,
    });
    const late = await report(t, plan, restarted);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('STALE_ATTEMPT');
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'created',
      retries_used: 1,
    });
  });
});
