/**
 * `POST /workflow-runs/{id}/partial-rerun` in-process (first version §3 "Partial rerun"), on our
 * scheduler's rules: selection by recorded step id, the 409/422 guards, resets through the machines
 * with fencing intact, audit and events, and dispatch of what is ready.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { registerRunner, report } from '../helpers/fixtures.js';
import { makeRepo, ok, seedWorktree, startWorktreeRun } from './worktree-fixtures.js';

async function role(t: TestApi) {
  return (await ok(call(t.app, 'POST', '/roles', { name: `r${Math.random()}` }))).id as number;
}
async function template(t: TestApi, steps: Array<[string, string[]]>) {
  const roleId = await role(t);
  const tpl = await ok(
    call(t.app, 'POST', '/workflow-templates', {
      name: `tpl${Math.random()}`,
      steps: steps.map(([step_id, depends_on]) => ({ step_id, role_id: roleId, title: step_id, depends_on })),
    }),
  );
  return { templateId: tpl.id as number, roleId };
}
async function run(t: TestApi, templateId: number) {
  return (await ok(call(t.app, 'POST', '/workflow-runs', { workflow_template_id: templateId }))) as {
    id: number;
    task_ids: number[];
  };
}
const dispatch = (t: TestApi, id: number) =>
  ok(call(t.app, 'POST', `/tasks/${id}/dispatch`), `dispatch ${id}`);
const rerun = (t: TestApi, runId: number, body: Record<string, unknown>) =>
  call(t.app, 'POST', `/workflow-runs/${runId}/partial-rerun`, body);
const task = async (t: TestApi, id: number) => (await call(t.app, 'GET', `/tasks/${id}`)).body;

describe('partial rerun (v1 surface, in-process)', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    await registerRunner(t);
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('reruns the selected failed step and the tasks the fail-fast canceled; fresh attempts, fencing intact', async () => {
    const { templateId } = await template(t, [
      ['root_a', []],
      ['root_b', []],
    ]);
    const r = await run(t, templateId);
    const [a, b] = r.task_ids as [number, number];
    await dispatch(t, a);
    await ok(report(t, a, { status: 'failed', attempt: 1, exit_code: 1, message: 'network timeout' }));
    expect((await call(t.app, 'GET', `/workflow-runs/${r.id}`)).body.status).toBe('failed');
    expect(await task(t, b)).toMatchObject({ status: 'canceled', failure_step: 'run-failed' });

    const res = await rerun(t, r.id, {
      step_ids: ['root_a'],
      requested_by: 'operator-ui',
      reason: 'applied fix for transient failure',
      auto_dispatch: true,
      max_dispatch: 5,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      run_id: r.id,
      requested_by: 'operator-ui',
      reason: 'applied fix for transient failure',
      selected_step_ids: ['root_a'],
      selected_task_ids: [a],
      reset_task_ids: [a, b],
    });
    expect(res.body.plan.ready.map((x: any) => x.task_id)).toEqual([a, b]);
    expect(res.body.spawn.map((s: any) => [s.task_id, s.submitted, s.task_status])).toEqual([
      [a, true, 'queued'],
      [b, true, 'queued'],
    ]);
    expect(res.body.aggregate.run.status).toBe('running');
    expect(res.body.aggregate.active_task_ids).toEqual([a, b]);

    // A new attempt: the old one's late report is fenced off.
    expect((await task(t, a)).attempt).toBe(2);
    const stale = await report(t, a, { status: 'success', attempt: 1, exit_code: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('STALE_ATTEMPT');

    const audit = (await call(t.app, 'GET', `/tasks/${a}/audit`)).body;
    expect(audit).toMatchObject({
      rerun_count: 1,
      last_rerun_by: 'operator-ui',
      last_rerun_reason: 'applied fix for transient failure',
    });
    expect(typeof audit.last_rerun_at).toBe('string');
    const resets = (await call(t.app, 'GET', `/events?run_id=${r.id}&event_type=task.partial_rerun_reset`))
      .body;
    expect(resets.map((e: any) => [e.task_id, e.payload.previous_status, e.payload.selected])).toEqual([
      [a, 'failed', true],
      [b, 'canceled', false],
    ]);
    const req = (
      await call(t.app, 'GET', `/events?run_id=${r.id}&event_type=workflow_run.partial_rerun_requested`)
    ).body;
    expect(req).toHaveLength(1);
    expect(req[0].payload).toMatchObject({
      from: 'failed',
      to: 'running',
      requested_by: 'operator-ui',
      reason: 'applied fix for transient failure',
      selected_task_ids: [a],
      reset_task_ids: [a, b],
    });

    await ok(report(t, a, { status: 'success', attempt: 2, exit_code: 0 }));
    // b never ran before the fail-fast canceled it: this is its first attempt.
    await ok(report(t, b, { status: 'success', attempt: 1, exit_code: 0 }));
    const done = (await call(t.app, 'GET', `/workflow-runs/${r.id}`)).body;
    expect(done).toMatchObject({ status: 'success', success_rate: 100, retries_total: 1 });
    expect(done.finished_at).not.toBeNull();
  });

  it('maps step_ids through the step id each task recorded, not the position in an edited template', async () => {
    const { templateId, roleId } = await template(t, [
      ['first', []],
      ['second', []],
    ]);
    const r = await run(t, templateId);
    const [first, second] = r.task_ids as [number, number];
    // The template changes under the run: its steps swap places and one is renamed.
    await ok(
      call(t.app, 'PUT', `/workflow-templates/${templateId}`, {
        name: 'edited',
        steps: [
          { step_id: 'second', role_id: roleId, title: 'second' },
          { step_id: 'renamed', role_id: roleId, title: 'first' },
        ],
      }),
    );
    await dispatch(t, first);
    await dispatch(t, second);
    await ok(report(t, second, { status: 'failed', attempt: 1, exit_code: 2 }));
    await ok(report(t, first, { status: 'success', attempt: 1, exit_code: 0 }));
    const res = await rerun(t, r.id, { step_ids: ['second'], auto_dispatch: false });
    expect(res.status).toBe(200);
    expect(res.body.selected_task_ids).toEqual([second]);
    expect(res.body.reset_task_ids).toEqual([second]);
    expect(res.body.spawn).toEqual([]);
    expect(res.body.plan.ready).toEqual([{ task_id: second, consumed_artifact_ids: [] }]);
    expect(await task(t, second)).toMatchObject({
      status: 'created',
      exit_code: null,
      failure_category: null,
    });
    expect((await task(t, first)).status).toBe('success');
  });

  it('refuses 409 while a task is active, and on aborted runs; 404 for an unknown run', async () => {
    const { templateId } = await template(t, [
      ['a', []],
      ['b', []],
    ]);
    const r = await run(t, templateId);
    const [a, b] = r.task_ids as [number, number];
    await dispatch(t, a);
    await dispatch(t, b);
    await ok(report(t, b, { status: 'running', attempt: 1 }));
    await ok(report(t, a, { status: 'failed', attempt: 1, exit_code: 1 }));
    const busy = await rerun(t, r.id, { task_ids: [a] });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'RUN_STATE_CONFLICT', active_task_ids: [b] });
    expect(busy.body.detail).toContain('active tasks');
    expect((await task(t, a)).status).toBe('failed');

    const r2 = await run(t, templateId);
    await ok(call(t.app, 'POST', `/workflow-runs/${r2.id}/abort`, {}));
    const aborted = await rerun(t, r2.id, { task_ids: [r2.task_ids[0]] });
    expect(aborted.status).toBe(409);
    expect(aborted.body.code).toBe('RUN_STATE_CONFLICT');
    expect((await rerun(t, 999, { task_ids: [1] })).status).toBe(404);
  });

  it('refuses 422 selections: not failed-ish, unknown ids, nothing, an unselected failed dependency, a failed task left behind', async () => {
    const { templateId } = await template(t, [
      ['plan', []],
      ['build', ['plan']],
    ]);
    const r = await run(t, templateId);
    const [plan, build] = r.task_ids as [number, number];
    await dispatch(t, plan);
    await ok(report(t, plan, { status: 'failed', attempt: 1, exit_code: 1 }));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ step_ids: ['nope'] }, `unknown step_ids for run ${r.id}: nope`],
      [{ task_ids: [999] }, `unknown task_ids for run ${r.id}: [999]`],
      [{}, 'must resolve at least one task'],
      [{ step_ids: ['build'] }, `task ${build} -> dependency ${plan}`],
    ];
    for (const [body, detail] of cases) {
      const res = await rerun(t, r.id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.code).toBe('RERUN_SELECTION_INVALID');
      expect(res.body.detail).toContain(detail);
    }

    const { templateId: two } = await template(t, [
      ['x', []],
      ['y', []],
    ]);
    const r2 = await run(t, two);
    const [x, y] = r2.task_ids as [number, number];
    await dispatch(t, x);
    await dispatch(t, y);
    await ok(report(t, x, { status: 'success', attempt: 1, exit_code: 0 }));
    await ok(report(t, y, { status: 'failed', attempt: 1, exit_code: 1 }));
    const notFailed = await rerun(t, r2.id, { task_ids: [x, y] });
    expect(notFailed.status).toBe(422);
    expect(notFailed.body.detail).toContain(`failed terminal tasks only; invalid selections: ${x}:success`);

    const { templateId: three } = await template(t, [
      ['p', []],
      ['q', []],
    ]);
    const r3 = await run(t, three);
    const [p, q] = r3.task_ids as [number, number];
    await dispatch(t, p);
    await dispatch(t, q);
    await ok(report(t, p, { status: 'failed', attempt: 1, exit_code: 1 }));
    await ok(report(t, q, { status: 'failed', attempt: 1, exit_code: 1 }));
    const left = await rerun(t, r3.id, { task_ids: [p] });
    expect(left.status).toBe(422);
    expect(left.body.detail).toContain(`task ${q} (q) is failed`);
    // Nothing was touched by the refusals.
    expect((await call(t.app, 'GET', `/workflow-runs/${r3.id}`)).body.status).toBe('failed');
    expect((await task(t, p)).status).toBe('failed');
    expect((await rerun(t, r3.id, { task_ids: [p, q], auto_dispatch: false })).status).toBe(200);
  });

  it('lists ready tasks past max_dispatch as dispatch-limit-reached and dispatches max_dispatch of them', async () => {
    const { templateId } = await template(t, [
      ['a', []],
      ['b', []],
      ['c', []],
    ]);
    const r = await run(t, templateId);
    const [a] = r.task_ids as [number];
    await dispatch(t, a);
    await ok(report(t, a, { status: 'failed', attempt: 1, exit_code: 1 }));
    const res = await rerun(t, r.id, { task_ids: [a], max_dispatch: 1 });
    expect(res.status).toBe(200);
    expect(res.body.reset_task_ids).toEqual(r.task_ids);
    expect(res.body.plan.ready).toHaveLength(1);
    expect(res.body.plan.blocked.map((x: any) => [x.reason, x.details])).toEqual([
      ['dispatch-limit-reached', { max_tasks: 1 }],
      ['dispatch-limit-reached', { max_tasks: 1 }],
    ]);
    expect(res.body.spawn).toHaveLength(1);
  });

  it('reruns a failed merge of an isolated-worktree run: it lands the steps’ commits again on a new attempt', async () => {
    const repo = makeRepo();
    const { templateId } = await seedWorktree(t, repo.root);
    await ok(
      call(
        t.app,
        'POST',
        '/runners/register',
        { name: 'git', url: 'http://127.0.0.1:9/git', capabilities: ['git-worktree'] },
        { 'x-runner-token': t.ctx.runnerToken },
      ),
    );
    const r = await ok(startWorktreeRun(t, templateId));
    const [plan, build, docs, merge] = r.task_ids as number[];
    const sha = (c: string) => c.repeat(40);
    const heads: Record<number, string> = { [plan!]: sha('b'), [build!]: sha('c'), [docs!]: sha('d') };
    for (const id of [plan!, build!, docs!]) {
      await dispatch(t, id);
      await ok(
        report(t, id, {
          status: 'success',
          attempt: 1,
          exit_code: 0,
          handoff: { summary: `did ${id}` },
          worktree: {
            path: `/tmp/wt/${id}`,
            branch: `b${id}`,
            base_sha: sha('a'),
            start_sha: sha('a'),
            head_sha: heads[id],
            committed: true,
          },
        }),
      );
    }
    const first = (await dispatch(t, merge!)).runner_payload.worktree;
    await ok(
      report(t, merge!, {
        status: 'failed',
        attempt: 1,
        exit_code: 1,
        failure_step: 'workspace',
        message: 'target branch moved: compare-and-swap refused',
      }),
    );
    expect((await call(t.app, 'GET', `/workflow-runs/${r.id}`)).body.status).toBe('failed');

    const res = await rerun(t, r.id, { step_ids: ['multyagents.merge'], requested_by: 'ops' });
    expect(res.status).toBe(200);
    expect(res.body.reset_task_ids).toEqual([merge]);
    expect(res.body.spawn[0]).toMatchObject({ task_id: merge, submitted: true });
    const again = res.body.spawn[0].dispatch.runner_payload.worktree;
    expect(res.body.spawn[0].dispatch.attempt).toBe(2);
    expect(again.upstream).toEqual(first.upstream);
    expect(again.merge).toEqual(first.merge);
    await ok(
      report(t, merge!, {
        status: 'success',
        attempt: 2,
        worktree: {
          path: null,
          branch: 'main',
          base_sha: repo.main,
          start_sha: sha('e'),
          head_sha: sha('e'),
          merged: { target_branch: 'main', old_sha: repo.main, new_sha: sha('e'), strategy: 'fast-forward' },
        },
      }),
    );
    const after = (await call(t.app, 'GET', `/workflow-runs/${r.id}`)).body;
    expect(after.status).toBe('success');
    expect(after.worktree.merged_sha).toBe(sha('e'));
  });

  it('in auto dispatch mode the reset tasks are dispatched too (the scheduler would take them anyway)', async () => {
    const auto = await makeTestApi({ dispatchMode: 'auto' });
    try {
      await registerRunner(auto);
      const roleId = (await ok(call(auto.app, 'POST', '/roles', { name: 'r' }))).id;
      const tpl = await ok(
        call(auto.app, 'POST', '/workflow-templates', {
          name: 'one',
          steps: [{ step_id: 'only', role_id: roleId, title: 'only' }],
        }),
      );
      const r = await ok(call(auto.app, 'POST', '/workflow-runs', { workflow_template_id: tpl.id }));
      const [only] = r.task_ids as [number];
      await ok(call(auto.app, 'POST', `/tasks/${only}/dispatch`));
      await ok(report(auto, only, { status: 'failed', attempt: 1, exit_code: 1 }));
      const res = await call(auto.app, 'POST', `/workflow-runs/${r.id}/partial-rerun`, { task_ids: [only] });
      expect(res.status).toBe(200);
      expect(res.body.spawn).toEqual([
        expect.objectContaining({ task_id: only, submitted: true, task_status: 'queued' }),
      ]);
      expect(auto.runner.submits.map((s) => s.body.attempt)).toEqual([1, 2]);
    } finally {
      await auto.close();
    }
  });
});
