import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, runnerHeaders, seedTwoStep, startRun } from '../helpers/fixtures.js';

/** `POST /runner/reports`: several reports in one request, each judged as if it came alone. */
describe('batched runner reports', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  async function queuedPlan() {
    const { templateId } = await seedTwoStep(t);
    runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    return { plan, build: run.task_ids[1]!, runId: run.id };
  }
  let runnerId = 0;
  // Ours only: the runner's own credential, not the shared token alone.
  const batch = (reports: unknown[], headers?: Record<string, string>) =>
    call(t.app, 'POST', '/runner/reports', { reports }, headers ?? runnerHeaders(t, runnerId));

  it('applies each report in order and answers each outcome as a lone report would have', async () => {
    const { plan, build } = await queuedPlan();
    const r = await batch([
      { task_id: plan, attempt: 1, status: 'running' },
      { task_id: plan, attempt: 1, status: 'success', exit_code: 0 },
      { task_id: plan, attempt: 1, status: 'success', exit_code: 0 },
      { task_id: plan, attempt: 7, status: 'failed' },
      { task_id: 999_999, attempt: 1, status: 'running' },
      { task_id: build, attempt: 1, status: 'running' },
    ]);
    expect(r.status).toBe(200);
    expect(
      r.body.results.map((x: { status_code: number; code: string | null; task_status: string | null }) => [
        x.status_code,
        x.code,
        x.task_status,
      ]),
    ).toEqual([
      [200, null, 'running'],
      [200, null, 'success'],
      [200, null, 'success'],
      [409, 'STALE_ATTEMPT', 'success'],
      [404, 'TASK_NOT_FOUND', null],
      [409, 'STALE_ATTEMPT', 'created'],
    ]);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('success');
    // The same refusals, posted alone, give the same answers.
    expect((await report(t, plan, { attempt: 7, status: 'failed' })).status).toBe(409);
    const events = (await call(t.app, 'GET', `/events?task_id=${plan}&limit=100`)).body as Array<{
      event_type: string;
    }>;
    expect(events.filter((e) => e.event_type === 'task.runner_status_updated')).toHaveLength(2);
    expect(events.filter((e) => e.event_type === 'task.report_duplicate')).toHaveLength(1);
    expect(events.filter((e) => e.event_type === 'task.report_refused')).toHaveLength(2);
  });

  it('needs the runner token and a valid body; a bad body changes nothing', async () => {
    const { plan } = await queuedPlan();
    expect((await batch([{ task_id: plan, attempt: 1, status: 'running' }], {})).status).toBe(401);
    const shared = await batch([{ task_id: plan, attempt: 1, status: 'running' }], H);
    expect([shared.status, shared.body.code]).toEqual([401, 'RUNNER_CREDENTIAL_INVALID']);
    const bad = await batch([
      { task_id: plan, attempt: 1, status: 'running' },
      { task_id: plan, status: 'exploded' },
    ]);
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await batch([])).status).toBe(422);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('queued');
  });
});
