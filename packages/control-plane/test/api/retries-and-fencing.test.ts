/**
 * Retries: a failure the retry policy covers is retried; reports of the attempt a retry replaced are
 * fenced (STALE_ATTEMPT) and change nothing; a retried attempt takes its lock paths again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/scheduler/sweeper.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('retries and fencing', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('a runner-reported failure that the retry policy covers is retried, as its retry_scheduled event says', async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 60_000, lostGraceMs: 60_000 });
    const { templateId } = await seedTwoStep(t, {
      retry: { max_retries: 2, retry_on: ['flaky-test'], backoff_initial_ms: 1000, jitter: 0 },
    });
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    const r = await report(t, plan, {
      status: 'failed',
      attempt: 1,
      exit_code: 1,
      stderr: 'FAIL src/a.test.ts\nAssertionError: expected 1 to be 2\nTests: 1 failed, 9 passed',
    });
    expect(r.status).toBe(200);
    const events = (await call(t.app, 'GET', `/events?task_id=${plan}`)).body as Array<{
      event_type: string;
    }>;
    expect(events.map((e) => e.event_type)).toContain('task.retry_scheduled');
    expect(r.body).toMatchObject({ status: 'created', retries_used: 1, failure_category: 'test-regression' });
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('running');
  });

  it('during a retry backoff, reports of the lost attempt are fenced and change nothing', async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 60_000, lostGraceMs: 60_000 });
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
});
