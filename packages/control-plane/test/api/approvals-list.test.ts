/**
 * `GET /approvals` (ours; the first version had no list and its UI probed tasks one by one): the
 * operator's inbox, with the gated task's run, step, title and status; filters status and run_id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { registerRunner, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('GET /approvals', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    await registerRunner(t);
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('lists approvals newest first with their task; filters by status and run', async () => {
    const { roleId, templateId } = await seedTwoStep(t, { approval: true });
    const run = await startRun(t, templateId);
    const standalone = (
      await call(t.app, 'POST', '/tasks', { role_id: roleId, title: 'gated alone', requires_approval: true })
    ).body.id as number;

    const all = await call(t.app, 'GET', '/approvals');
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(2);
    expect(all.body[0]).toMatchObject({
      task_id: standalone,
      status: 'pending',
      run_id: null,
      task_title: 'gated alone',
      task_status: 'created',
    });
    expect(all.body[1]).toMatchObject({
      task_id: run.task_ids[0],
      status: 'pending',
      run_id: run.id,
      step_id: 'plan',
      task_title: 'Plan the change',
    });

    const gate = all.body[0].id as number;
    await call(t.app, 'POST', `/approvals/${gate}/reject`, { actor: 'ann', comment: 'no' });
    const pending = await call(t.app, 'GET', '/approvals?status=pending');
    expect(pending.body.map((a: { task_id: number }) => a.task_id)).toEqual([run.task_ids[0]]);
    const rejected = await call(t.app, 'GET', '/approvals?status=rejected');
    expect(rejected.body).toMatchObject([
      { id: gate, decided_by: 'ann', comment: 'no', task_status: 'canceled' },
    ]);
    const ofRun = await call(t.app, 'GET', `/approvals?run_id=${run.id}`);
    expect(ofRun.body.map((a: { run_id: number }) => a.run_id)).toEqual([run.id]);
    expect((await call(t.app, 'GET', '/approvals?limit=1')).body).toHaveLength(1);
  });

  it('refuses an unknown status with 422', async () => {
    const r = await call(t.app, 'GET', '/approvals?status=maybe');
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('VALIDATION_FAILED');
  });
});
