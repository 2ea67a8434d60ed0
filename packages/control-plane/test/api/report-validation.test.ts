/**
 * Runner reports the API refuses: malformed bodies and timestamps that are not ISO-8601 answer 422
 * VALIDATION_FAILED and store nothing (task status and events unchanged).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('runner report validation', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('refuses a malformed report with 422 and leaves the task and its events unchanged', async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 60_000, lostGraceMs: 60_000 });
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
