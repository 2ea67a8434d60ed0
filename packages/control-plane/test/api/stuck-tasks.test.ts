/**
 * `GET /tasks/stuck` on a fake clock: each reason appears once its wait passes the threshold (the
 * config's default or `older_than_s`), measured from the right moment, and not before; tasks that
 * wait for a person (a pending approval) or for their dependencies are never listed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, runnerHeaders, seedTwoStep, startRun } from '../helpers/fixtures.js';

type Stuck = {
  task: { id: number; status: string };
  reason: string;
  since: string;
  age_ms: number;
  detail: string;
};

async function stuck(t: TestApi, query = ''): Promise<Stuck[]> {
  const r = await call(t.app, 'GET', `/tasks/stuck${query}`);
  expect(r.status).toBe(200);
  return r.body;
}

const S = 1000;

describe('stuck tasks', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('not-dispatched: a ready task past the threshold, with why it is still waiting', async () => {
    t = await makeTestApi({ dispatchMode: 'auto', stuckAfterS: 120 });
    const { templateId } = await seedTwoStep(t);
    const createdAt = new Date(t.clock.now()).toISOString();
    const run = await startRun(t, templateId);
    const [plan] = run.task_ids;
    t.clock.advance(119 * S);
    expect(await stuck(t)).toEqual([]);
    t.clock.advance(2 * S);
    const [one, ...rest] = await stuck(t);
    expect(rest).toEqual([]); // `build` waits for `plan`: not stuck
    expect(one).toMatchObject({
      task: { id: plan, status: 'created' },
      reason: 'not-dispatched',
      since: createdAt,
      age_ms: 121 * S,
      detail: 'no runner is registered',
    });
    expect(await stuck(t, '?older_than_s=122')).toEqual([]);
    expect((await stuck(t, '?older_than_s=121'))[0]?.task.id).toBe(plan);

    await registerRunner(t, 'r1', 1);
    expect((await stuck(t))[0]?.detail).toBe(
      'ready and a runner has a free slot, yet the scheduler has not claimed it',
    );
    // The runner's one slot taken by another run's task: the fleet is busy.
    const other = await startRun(t, templateId);
    expect((await call(t.app, 'POST', `/tasks/${other.task_ids[0]}/dispatch`)).status).toBe(200);
    expect((await stuck(t))[0]?.detail).toBe('every online runner is busy or draining (r1)');
  });

  it('not-dispatched counts from the last thing it waited for: its approval, its dependency', async () => {
    t = await makeTestApi({ stuckAfterS: 60 });
    const { templateId } = await seedTwoStep(t, { approval: true });
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    const [plan, build] = run.task_ids as [number, number];
    t.clock.advance(600 * S);
    expect(await stuck(t)).toEqual([]); // the approval is a person's to give
    const approvalId = (await call(t.app, 'GET', `/tasks/${plan}/approval`)).body.id;
    expect((await call(t.app, 'POST', `/approvals/${approvalId}/approve`, { actor: 'op' })).status).toBe(200);
    t.clock.advance(59 * S);
    expect(await stuck(t)).toEqual([]);
    t.clock.advance(2 * S);
    expect(await stuck(t)).toMatchObject([{ task: { id: plan }, reason: 'not-dispatched', age_ms: 61 * S }]);
    expect((await stuck(t))[0]?.detail).toContain('dispatch mode is manual');

    expect((await call(t.app, 'POST', `/tasks/${plan}/dispatch`)).status).toBe(200);
    await report(t, plan, { status: 'running', attempt: 1 });
    t.clock.advance(10 * S);
    const doneAt = new Date(t.clock.now()).toISOString();
    await call(
      t.app,
      'POST',
      `/runner/tasks/${plan}/status`,
      { status: 'success', attempt: 1, exit_code: 0 },
      runnerHeaders(t, runnerId),
    );
    t.clock.advance(61 * S);
    expect(await stuck(t)).toMatchObject([{ task: { id: build }, reason: 'not-dispatched', since: doneAt }]);
  });

  it('not-started, no-progress and cancel-pending, oldest first, each from its own moment', async () => {
    t = await makeTestApi({ stuckAfterS: 120 });
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t, 'r1', 4);
    const RH = runnerHeaders(t, runnerId);
    const [a, b, c] = [
      await startRun(t, templateId),
      await startRun(t, templateId),
      await startRun(t, templateId),
    ];
    const [ta, tb, tc] = [a.task_ids[0]!, b.task_ids[0]!, c.task_ids[0]!];
    const dispatchedA = new Date(t.clock.now()).toISOString();
    for (const id of [ta, tb, tc])
      expect((await call(t.app, 'POST', `/tasks/${id}/dispatch`)).status).toBe(200);
    // a: queued on the runner, never reported running.
    t.clock.advance(30 * S);
    await report(t, tb, { status: 'running', attempt: 1 });
    await report(t, tc, { status: 'running', attempt: 1 });
    t.clock.advance(100 * S);
    // b: output keeps coming; c: canceled while its runner cannot be told.
    const logAt = new Date(t.clock.now()).toISOString();
    const chunk = { attempt: 1, seq: 0, stream: 'stdout', data: 'working\n' };
    expect((await call(t.app, 'POST', `/runner/tasks/${tb}/logs`, chunk, RH)).status).toBe(200);
    t.runner.unreachable = true;
    const canceledAt = new Date(t.clock.now()).toISOString();
    expect((await call(t.app, 'POST', `/tasks/${tc}/cancel`, {})).body.status).toBe('canceled');

    let list = await stuck(t);
    expect(list.map((s) => [s.task.id, s.reason])).toEqual([[ta, 'not-started']]);
    expect(list[0]).toMatchObject({ since: dispatchedA, age_ms: 130 * S });
    expect(list[0]!.detail).toBe(
      'queued on runner r1 (online) (attempt 1); the runner has not reported it running',
    );

    t.clock.advance(121 * S);
    list = await stuck(t);
    expect(list.map((s) => [s.task.id, s.reason, s.since])).toEqual([
      [ta, 'not-started', dispatchedA],
      // b's clock started again at its last output, c's at the cancel.
      [tb, 'no-progress', logAt],
      [tc, 'cancel-pending', canceledAt],
    ]);
    expect(list[1]!.detail).toBe(
      `running on runner r1 (online) (attempt 1); last output ${logAt}, last report ${new Date(Date.parse(logAt) - 100 * S).toISOString()}`,
    );
    expect(list[2]!.task.status).toBe('canceled');
    expect(list[2]!.detail).toBe('canceled; runner r1 (online) has not been told to stop attempt 1');
    expect((await stuck(t, '?limit=1')).map((s) => s.task.id)).toEqual([ta]);
    expect((await call(t.app, 'GET', '/tasks/stuck?older_than_s=0')).body.code).toBe('VALIDATION_FAILED');
    expect((await call(t.app, 'GET', '/tasks/stuck?older_than_s=86401')).body.code).toBe('VALIDATION_FAILED');
  });
});
