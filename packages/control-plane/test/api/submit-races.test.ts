/**
 * Races between the submit of an attempt and everything else: reports, cancels, an abort, runner
 * registration. Each test drives the interleaving deterministically, parking the fake runner's submit
 * (or acting from inside it) until the other side has committed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerClient } from '../../src/scheduler/runnerClient.js';
import { deliverCancels } from '../../src/scheduler/cancels.js';
import { sweep } from '../../src/scheduler/sweeper.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

type SubmitBody = Parameters<RunnerClient['submit']>[1];

/** Park every submit until `release()`; `entered` resolves once a submit is in flight. */
function parkSubmits(t: TestApi) {
  const orig = t.runner.submit.bind(t.runner);
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const inFlight = new Promise<void>((r) => (entered = r));
  t.runner.submit = async (url: string, body: SubmitBody) => {
    entered();
    await gate;
    return orig(url, body);
  };
  return { release, inFlight };
}

describe('submit races', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 60_000, lostGraceMs: 60_000 });
  });
  afterEach(() => t.close());

  it('a cancel answered "unknown attempt" while the submit is in flight still stops the attempt the runner then accepts', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    const { release, inFlight } = parkSubmits(t);
    const dispatching = call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await inFlight;
    expect((await call(t.app, 'POST', `/tasks/${plan}/cancel`, {})).body.status).toBe('canceled');
    // The runner has not received the submit yet: it answers 404, which the client counts as done.
    expect(await deliverCancels(t.ctx)).toBe(1);
    release();
    expect((await dispatching).body.runner_submission.submitted).toBe(true);
    // The runner accepted and runs attempt 1 of a canceled task; it must be told to stop.
    const hb = await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: plan, attempt: 1, status: 'running' }] },
      H,
    );
    expect(hb.body.cancel).toEqual([{ task_id: plan, attempt: 1 }]);
  });

  it('a running report that lands before the submit outcome commits still gets the run-time limit', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId, { plan: { timeout_seconds: 30 } });
    const plan = run.task_ids[0]!;
    const orig = t.runner.submit.bind(t.runner);
    // A fast runner: it starts the agent and reports `running` before its submit answer is processed.
    t.runner.submit = async (url: string, body: SubmitBody) => {
      const r = await report(t, body.task_id, { status: 'running', attempt: body.attempt });
      expect(r.status).toBe(200);
      return orig(url, body);
    };
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('running');
    t.clock.advance(31_000);
    await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: plan, attempt: 1, status: 'running' }] },
      H,
    );
    expect((await sweep(t.ctx)).timedOut).toBe(1);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body).toMatchObject({
      status: 'failed',
      failure_category: 'timeout',
    });
  });

  it('an attempt failed as lost at re-registration is owed a cancel, like one lost by the sweeper', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('queued');
    // A registration whose attempt list was snapshotted before the submit reached the runner.
    const reg = await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1', capacity: 4, attempts: [] },
      H,
    );
    expect(reg.status).toBe(200);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('failed');
    // The runner does hold it: the fenced attempt must be killed, not left running unobserved.
    const hb = await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: plan, attempt: 1, status: 'running' }] },
      H,
    );
    expect(hb.body.cancel).toEqual([{ task_id: plan, attempt: 1 }]);
  });

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
});
