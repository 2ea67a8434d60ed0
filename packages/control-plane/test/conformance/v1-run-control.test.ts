import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Workflow runs": pause, resume, abort, dispatch-ready and
 * control-loop, written from the reference (shapes, status codes, reason strings). The runner-stopping
 * row comes last: it stops runner-1 and starts it again.
 */
const v1 = v1Stack();

let seq = 0;
async function template(opts: { approval?: boolean; mock?: Record<string, unknown>; fan?: number } = {}) {
  const role = await v1.call('POST', '/roles', { name: `v1-run-control-${++seq}`, context7_enabled: true });
  expect(role.status).toBe(200);
  const extra = opts.mock ? { executor_params: { mock: opts.mock } } : {};
  const steps = opts.fan
    ? Array.from({ length: opts.fan }, (_, i) => ({
        step_id: `s${i}`,
        role_id: role.body.id,
        title: `S${i}`,
        ...extra,
      }))
    : [
        { step_id: 'plan', role_id: role.body.id, title: 'Plan', requires_approval: opts.approval, ...extra },
        { step_id: 'report', role_id: role.body.id, title: 'Report', depends_on: ['plan'] },
      ];
  const tpl = await v1.call('POST', '/workflow-templates', { name: `v1-rc-${seq}`, steps });
  expect(tpl.status).toBe(200);
  return tpl.body.id as number;
}

async function run(templateId: number): Promise<{ id: number; task_ids: number[]; status: string }> {
  const r = await v1.call('POST', '/workflow-runs', {
    workflow_template_id: templateId,
    initiated_by: 'conformance',
  });
  expect(r.status).toBe(200);
  return r.body;
}

const status = async (p: string) => (await v1.call('GET', p)).body.status as string;

describe('v1 run control', () => {
  it('POST /workflow-runs/{id}/pause → paused; dispatch-ready then 409, control-loop lists run-paused', async () => {
    const r = await run(await template());
    const p = await v1.call('POST', `/workflow-runs/${r.id}/pause`);
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id: r.id, status: 'paused' });
    const d = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(d.status).toBe(409);
    expect(d.body.detail).toBe(`workflow run ${r.id} is paused`);
    const loop = await v1.call('POST', `/workflow-runs/${r.id}/control-loop`, {});
    expect(loop.status).toBe(200);
    expect(loop.body.plan).toEqual({
      ready: [],
      blocked: [{ task_id: null, reason: 'run-paused', details: { run_id: r.id } }],
    });
  });

  it('POST /workflow-runs/{id}/resume → running, also for a run that had not started (v1 answer; see compatibility.md)', async () => {
    const r = await run(await template());
    expect(r.status).toBe('created');
    await v1.call('POST', `/workflow-runs/${r.id}/pause`);
    const res = await v1.call('POST', `/workflow-runs/${r.id}/resume`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: r.id, status: 'running' });
    expect(await status(`/workflow-runs/${r.id}`)).toBe('running');
    // and it steps on from there
    const d = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(d.body).toMatchObject({ dispatched: true, task_id: r.task_ids[0] });
  });

  it('POST /workflow-runs/{id}/abort → aborted; a second abort is fine, resume is 409; dispatch-ready 409', async () => {
    const r = await run(await template());
    await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    const a = await v1.call('POST', `/workflow-runs/${r.id}/abort`);
    expect(a.status).toBe(200);
    expect(a.body.status).toBe('aborted');
    expect((await v1.call('POST', `/workflow-runs/${r.id}/abort`)).status).toBe(200);
    expect((await v1.call('POST', `/workflow-runs/${r.id}/resume`)).status).toBe(409);
    const d = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(d.status).toBe(409);
    expect(d.body.detail).toBe(`workflow run ${r.id} is aborted`);
    const loop = await v1.call('POST', `/workflow-runs/${r.id}/control-loop`, {});
    expect(loop.body.plan.blocked).toEqual([
      { task_id: null, reason: 'run-aborted', details: { run_id: r.id } },
    ]);
  });

  it('POST /workflow-runs/{id}/dispatch-ready → {run_id, dispatched, task_id?, reason?, dispatch?}; v1 reasons; gated task 409', async () => {
    const r = await run(await template());
    const first = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ run_id: r.id, dispatched: true, task_id: r.task_ids[0] });
    expect(first.body.dispatch).toMatchObject({
      task_id: r.task_ids[0],
      runner_submission: { submitted: true },
    });
    expect(typeof first.body.dispatch.resolved_context7_enabled).toBe('boolean');
    const waiting = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    // the mock runner may already have finished step 1: then step 2 goes
    if (waiting.body.dispatched) expect(waiting.body.task_id).toBe(r.task_ids[1]);
    else expect(waiting.body).toMatchObject({ dispatched: false, reason: 'dependencies not satisfied' });
    await waitFor('run success', async () => {
      const d = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
      expect(d.status).toBe(200);
      return (await status(`/workflow-runs/${r.id}`)) === 'success';
    });
    const none = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(none.body).toMatchObject({ run_id: r.id, dispatched: false, reason: 'no ready tasks' });

    const gated = await run(await template({ approval: true }));
    const gate = (await v1.call('GET', `/tasks/${gated.task_ids[0]}/approval`)).body;
    const refused = await v1.call('POST', `/workflow-runs/${gated.id}/dispatch-ready`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe(
      `task ${gated.task_ids[0]} requires approval; approval_id=${gate.id} status=pending`,
    );
    const ev = await v1.call(
      'GET',
      `/events?task_id=${gated.task_ids[0]}&event_type=task.dispatch_blocked_by_approval`,
    );
    expect(ev.body).toHaveLength(1);
    expect(ev.body[0].payload).toMatchObject({ approval_id: gate.id, status: 'pending' });
    await v1.call('POST', `/approvals/${gate.id}/approve`, { actor: 'op' });
    expect((await v1.call('POST', `/workflow-runs/${gated.id}/dispatch-ready`, {})).body.dispatched).toBe(
      true,
    );
  });

  it('POST /workflow-runs/{id}/control-loop → {run_id, plan{ready, blocked}, spawn[], aggregate}; max_dispatch 1..100', async () => {
    const r = await run(await template({ fan: 3 }));
    expect((await v1.call('POST', `/workflow-runs/${r.id}/control-loop`, { max_dispatch: 0 })).status).toBe(
      422,
    );
    expect((await v1.call('POST', `/workflow-runs/${r.id}/control-loop`, { max_dispatch: 101 })).status).toBe(
      422,
    );
    const loop = await v1.call('POST', `/workflow-runs/${r.id}/control-loop`, { max_dispatch: 2 });
    expect(loop.status).toBe(200);
    expect(loop.body.run_id).toBe(r.id);
    expect(loop.body.plan.ready).toEqual([
      { task_id: r.task_ids[0], consumed_artifact_ids: [] },
      { task_id: r.task_ids[1], consumed_artifact_ids: [] },
    ]);
    expect(loop.body.plan.blocked).toEqual([
      { task_id: r.task_ids[2], reason: 'dispatch-limit-reached', details: { max_tasks: 2 } },
    ]);
    expect(loop.body.spawn).toHaveLength(2);
    for (const [i, s] of loop.body.spawn.entries()) {
      expect(s).toMatchObject({ task_id: r.task_ids[i], submitted: true });
      expect(typeof s.task_status).toBe('string');
      expect(s.dispatch.runner_submission.submitted).toBe(true);
    }
    expect(loop.body.aggregate).toBeTypeOf('object');
    // no body: default max_dispatch 10 takes the rest
    const rest = await v1.call('POST', `/workflow-runs/${r.id}/control-loop`);
    expect(rest.status).toBe(200);
    expect(rest.body.spawn.map((s: { task_id: number }) => s.task_id)).toEqual([r.task_ids[2]]);
    await waitFor('fan run success', async () => (await status(`/workflow-runs/${r.id}`)) === 'success');

    const chained = await run(await template({ approval: true }));
    const plan = (await v1.call('POST', `/workflow-runs/${chained.id}/control-loop`, {})).body.plan;
    const gate = (await v1.call('GET', `/tasks/${chained.task_ids[0]}/approval`)).body;
    expect(plan.ready).toEqual([]);
    expect(plan.blocked).toEqual([
      {
        task_id: chained.task_ids[0],
        reason: 'approval-required',
        details: { approval_id: gate.id, approval_status: 'pending' },
      },
      {
        task_id: chained.task_ids[1],
        reason: 'dependencies-not-satisfied',
        details: { dependencies: [{ task_id: chained.task_ids[0], status: 'created' }] },
      },
    ]);
    await v1.call('POST', `/workflow-runs/${chained.id}/abort`);
  });

  it('runner slots full: dispatch-ready answers 200 dispatched:false "no runner capacity", the task stays created', async () => {
    // four hanging steps fill runner-1 (capacity 4)
    const hog = await run(await template({ fan: 4, mock: { hang: true } }));
    const loop = await v1.call('POST', `/workflow-runs/${hog.id}/control-loop`, { max_dispatch: 4 });
    expect(loop.body.spawn.map((s: { submitted: boolean }) => s.submitted)).toEqual([true, true, true, true]);
    const r = await run(await template());
    const d = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ run_id: r.id, dispatched: false, reason: 'no runner capacity' });
    expect(await status(`/tasks/${r.task_ids[0]}`)).toBe('created');
    const spawn = (await v1.call('POST', `/workflow-runs/${r.id}/control-loop`, {})).body.spawn;
    expect(spawn).toEqual([
      expect.objectContaining({ task_id: r.task_ids[0], submitted: false, error: 'no runner capacity' }),
    ]);
    await v1.call('POST', `/workflow-runs/${hog.id}/abort`);
    await waitFor('slots free', async () => {
      const again = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
      return again.body.dispatched === true;
    });
    await v1.call('POST', `/workflow-runs/${r.id}/abort`);
  });

  it('runner stopped (kill -9): dispatch-ready answers dispatched:true, submitted:false; the task is submit-failed with triage', async () => {
    const r = await run(await template());
    const pid = v1.pid('runner-1');
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await waitFor('runner port refuses', async () => {
      try {
        await fetch(`http://127.0.0.1:${v1.runnerPort}/health`);
        return false;
      } catch {
        return true;
      }
    });
    const d = await v1.call('POST', `/workflow-runs/${r.id}/dispatch-ready`, {});
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ run_id: r.id, dispatched: true, task_id: r.task_ids[0] });
    expect(d.body.dispatch.runner_submission.submitted).toBe(false);
    const task = (await v1.call('GET', `/tasks/${r.task_ids[0]}`)).body;
    expect(task.status).toBe('submit-failed');
    expect(task.failure_triage_hints.length).toBeGreaterThan(0);
    // control-loop's spawn entry says the same for the next run
    const r2 = await run(await template());
    const spawn = (await v1.call('POST', `/workflow-runs/${r2.id}/control-loop`, {})).body.spawn;
    expect(spawn).toEqual([
      expect.objectContaining({ task_id: r2.task_ids[0], submitted: false, task_status: 'submit-failed' }),
    ]);
    const restarted = await v1.launcher(['restart', 'runner']);
    expect(restarted.code).toBe(0);
  });
});
