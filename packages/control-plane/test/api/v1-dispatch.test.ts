/**
 * dispatch-ready / control-loop / approval refusals / resume as a first-version client sees them
 * (shared/reference/first-version.md §1 "Workflow runs", §3 "Dispatch", "Approvals").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('v1 dispatch semantics', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('dispatch-ready to an unreachable runner: dispatched true, submitted false, task submit-failed with triage', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    t.runner.unreachable = true;
    const d = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({
      run_id: run.id,
      dispatched: true,
      task_id: run.task_ids[0],
      reason: null,
    });
    expect(d.body.dispatch.runner_submission.submitted).toBe(false);
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task.status).toBe('submit-failed');
    expect(task.failure_triage_hints.length).toBeGreaterThan(0);
  });

  it('all runners busy: dispatch-ready answers 200 "no runner capacity" and changes nothing; control-loop captures it per task', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t, 'r1', 1);
    const a = await startRun(t, templateId);
    const b = await startRun(t, templateId);
    expect((await call(t.app, 'POST', `/workflow-runs/${a.id}/dispatch-ready`)).body.dispatched).toBe(true);
    const busy = await call(t.app, 'POST', `/workflow-runs/${b.id}/dispatch-ready`);
    expect(busy.status).toBe(200);
    expect(busy.body).toMatchObject({ run_id: b.id, dispatched: false, reason: 'no runner capacity' });
    expect((await call(t.app, 'GET', `/tasks/${b.task_ids[0]}`)).body.status).toBe('created');
    const loop = await call(t.app, 'POST', `/workflow-runs/${b.id}/control-loop`, {});
    expect(loop.status).toBe(200);
    expect(loop.body.spawn).toEqual([
      expect.objectContaining({
        task_id: b.task_ids[0],
        submitted: false,
        task_status: 'created',
        error: 'no runner capacity',
      }),
    ]);
    // the caller that named one task still gets the 409
    const one = await call(t.app, 'POST', `/tasks/${b.task_ids[0]}/dispatch`);
    expect(one.status).toBe(409);
    expect(one.body.code).toBe('NO_RUNNER_AVAILABLE');
  });

  it('dispatch-ready: 409 on paused and aborted runs with v1 details; "no ready tasks" on a finished run', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    await call(t.app, 'POST', `/workflow-runs/${run.id}/pause`, {});
    const paused = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(paused.status).toBe(409);
    expect(paused.body.detail).toBe(`workflow run ${run.id} is paused`);
    const loop = await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`, {});
    expect(loop.body.plan).toEqual({
      ready: [],
      blocked: [{ task_id: null, reason: 'run-paused', details: { run_id: run.id } }],
    });
    expect(loop.body.spawn).toEqual([]);
    await call(t.app, 'POST', `/workflow-runs/${run.id}/abort`, {});
    const aborted = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(aborted.status).toBe(409);
    expect(aborted.body.detail).toBe(`workflow run ${run.id} is aborted`);
    expect(
      (await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`, {})).body.plan.blocked,
    ).toEqual([{ task_id: null, reason: 'run-aborted', details: { run_id: run.id } }]);
  });

  it('a gated task first in line: dispatch-ready is 409 naming the approval state; control-loop lists approval-required', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t, { approval: true });
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const gate = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}/approval`)).body;
    const d = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(d.status).toBe(409);
    expect(d.body.detail).toBe(
      `task ${run.task_ids[0]} requires approval; approval_id=${gate.id} status=pending`,
    );
    const events = (await call(t.app, 'GET', `/events?task_id=${run.task_ids[0]}`)).body;
    expect(events.map((e: { event_type: string }) => e.event_type)).toContain(
      'task.dispatch_blocked_by_approval',
    );
    const loop = await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`, {});
    expect(loop.body.plan.blocked[0]).toEqual({
      task_id: run.task_ids[0],
      reason: 'approval-required',
      details: { approval_id: gate.id, approval_status: 'pending' },
    });
    await call(t.app, 'POST', `/approvals/${gate.id}/reject`, {});
    const rejected = await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    expect(rejected.status).toBe(409);
    expect(rejected.body.detail).toMatch(/status=rejected$/);
  });

  it('control-loop: max_dispatch 1..100 (default 10); the rest are dispatch-limit-reached', async () => {
    t = await makeTestApi();
    const role = (await call(t.app, 'POST', '/roles', { name: 'r' })).body;
    const steps = ['a', 'b', 'c'].map((s) => ({ step_id: s, role_id: role.id, title: s }));
    const tpl = (await call(t.app, 'POST', '/workflow-templates', { name: 'fan', steps })).body;
    await registerRunner(t);
    const run = await startRun(t, tpl.id);
    expect(
      (await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`, { max_dispatch: 0 })).status,
    ).toBe(422);
    const loop = await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`, { max_dispatch: 2 });
    expect(loop.body.plan.ready.map((r: { task_id: number }) => r.task_id)).toEqual(run.task_ids.slice(0, 2));
    expect(loop.body.plan.blocked).toEqual([
      { task_id: run.task_ids[2], reason: 'dispatch-limit-reached', details: { max_tasks: 2 } },
    ]);
    expect(loop.body.spawn.map((s: { submitted: boolean }) => s.submitted)).toEqual([true, true]);
    expect(loop.body.aggregate).toMatchObject({ run_id: run.id });
    const rest = await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`);
    expect(rest.body.spawn.map((s: { task_id: number }) => s.task_id)).toEqual([run.task_ids[2]]);
  });

  it('dispatch-ready reason precedence: dependencies first, as v1 walked task_ids', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    const waiting = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(waiting.body).toMatchObject({
      dispatched: false,
      task_id: null,
      reason: 'dependencies not satisfied',
    });
    await report(t, run.task_ids[0]!, { status: 'success', attempt: 1 });
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`)).body.task_id).toBe(
      run.task_ids[1],
    );
  });

  it('pause then resume of a run that never started answers running, and it stays running', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/pause`, {})).body.status).toBe('paused');
    const resumed = (await call(t.app, 'POST', `/workflow-runs/${run.id}/resume`, {})).body;
    expect(resumed.status).toBe('running');
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('running');
    // a run nobody paused stays created until its first dispatch
    const other = await startRun(t, templateId);
    expect((await call(t.app, 'GET', `/workflow-runs/${other.id}`)).body.status).toBe('created');
  });
});
