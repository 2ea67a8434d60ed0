import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';
import { registerRunner, report, runnerHeaders, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('remaining endpoints and auth switches', () => {
  let t: TestApi;
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('operator token: required when configured, Bearer or X-Api-Token; health stays open', async () => {
    t = await makeTestApi({ operatorToken: 'op-secret-123456' });
    const no = await call(t.app, 'GET', '/projects');
    expect(no.status).toBe(401);
    expect(no.body.code).toBe('OPERATOR_TOKEN_INVALID');
    expect(
      (await call(t.app, 'GET', '/projects', undefined, { authorization: 'Bearer op-secret-123456' })).status,
    ).toBe(200);
    expect(
      (await call(t.app, 'GET', '/projects', undefined, { 'x-api-token': 'op-secret-123456' })).status,
    ).toBe(200);
    expect((await call(t.app, 'GET', '/projects', undefined, { authorization: 'Bearer wrong' })).status).toBe(
      401,
    );
    expect((await call(t.app, 'GET', '/health')).status).toBe(200);
  });

  it('--runner-auth off accepts first-version callbacks without a token', async () => {
    t = await makeTestApi({ runnerAuth: false });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    const res = await call(t.app, 'POST', `/runner/tasks/${run.task_ids[0]}/status`, { status: 'running' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('running');
  });

  it('malformed JSON is 400 INVALID_JSON; unknown routes are 404 ROUTE_NOT_FOUND', async () => {
    t = await makeTestApi();
    const res = await t.app.inject({
      method: 'POST',
      url: '/projects',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).code).toBe('INVALID_JSON');
    expect((await call(t.app, 'GET', '/nope')).body.code).toBe('ROUTE_NOT_FOUND');
    // an empty JSON body on an action endpoint is no body, not bad JSON
    const role = (await call(t.app, 'POST', '/roles', { name: 'r' })).body;
    const task = (await call(t.app, 'POST', '/tasks', { role_id: role.id, title: 'x' })).body;
    const empty = await t.app.inject({
      method: 'POST',
      url: `/tasks/${task.id}/cancel`,
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.statusCode).toBe(200);
    expect(JSON.parse(empty.body).status).toBe('canceled');
  });

  it('control-loop plans and dispatches up to max_dispatch; blocked tasks carry their reason', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const res = await call(t.app, 'POST', `/workflow-runs/${run.id}/control-loop`, { max_dispatch: 5 });
    expect(res.status).toBe(200);
    expect(res.body.plan.ready).toEqual([{ task_id: run.task_ids[0], consumed_artifact_ids: [] }]);
    expect(res.body.plan.blocked).toEqual([
      {
        task_id: run.task_ids[1],
        reason: 'dependencies-not-satisfied',
        details: { dependencies: [{ task_id: run.task_ids[0], status: 'created' }] },
      },
    ]);
    expect(res.body.spawn).toHaveLength(1);
    expect(res.body.spawn[0]).toMatchObject({
      task_id: run.task_ids[0],
      submitted: true,
      task_status: 'queued',
    });
    expect(res.body.spawn[0].dispatch.runner_submission.submitted).toBe(true);
    expect(res.body.aggregate.status).toBe('running');
    const again = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(again.body).toMatchObject({ dispatched: false, reason: 'dependencies not satisfied' });
  });

  it('required handoff artifacts block the dependent step until produced', async () => {
    t = await makeTestApi();
    const role = (await call(t.app, 'POST', '/roles', { name: 'r' })).body;
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'art',
      steps: [
        { step_id: 'a', role_id: role.id, title: 'A' },
        {
          step_id: 'b',
          role_id: role.id,
          title: 'B',
          depends_on: ['a'],
          required_artifacts: [{ from_step_id: 'a', artifact_type: 'diff' }],
        },
      ],
    });
    await registerRunner(t);
    const run = await startRun(t, tpl.body.id);
    await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    await report(t, run.task_ids[0]!, { status: 'success', attempt: 1 });
    const blocked = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(blocked.body).toMatchObject({ dispatched: false, reason: 'required handoff artifacts missing' });
    await call(t.app, 'POST', '/artifacts', {
      artifact_type: 'diff',
      location: '/tmp/x.diff',
      producer_task_id: run.task_ids[0],
    });
    const ok = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(ok.body).toMatchObject({ dispatched: true, task_id: run.task_ids[1] });
  });

  it('stores reported artifacts and handoff with the terminal report', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    await report(t, run.task_ids[0]!, {
      status: 'success',
      attempt: 1,
      artifacts: [{ artifact_type: 'report', location: '/tmp/r.md', summary: 'report' }],
      handoff: { summary: 'token=abcdefghijkl done' },
    });
    const arts = (await call(t.app, 'GET', `/artifacts?run_id=${run.id}`)).body;
    expect(arts).toHaveLength(1);
    const h = (await call(t.app, 'GET', `/handoffs?task_id=${run.task_ids[0]}`)).body;
    expect(h[0].summary).toBe('token=[REDACTED] done');
    expect(h[0].artifacts).toEqual([{ artifact_id: arts[0].id, is_required: false }]);
  });

  it('log chunks: stored once per seq (redelivery ignored), served by tail and after_seq', async () => {
    t = await makeTestApi();
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const RH = runnerHeaders(t, runnerId);
    const run = await startRun(t, templateId);
    const id = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    for (const seq of [0, 1, 1, 2]) {
      const r = await call(
        t.app,
        'POST',
        `/runner/tasks/${id}/logs`,
        { attempt: 1, seq, stream: 'stdout', data: `line ${seq}\n` },
        RH,
      );
      expect(r.status).toBe(200);
    }
    const tail = (await call(t.app, 'GET', `/tasks/${id}/logs?tail=2`)).body;
    expect(tail.chunks.map((c: { seq: number }) => c.seq)).toEqual([1, 2]);
    const after = (await call(t.app, 'GET', `/tasks/${id}/logs?after_seq=0`)).body;
    expect(after.chunks.map((c: { data: string }) => c.data).join('')).toBe('line 1\nline 2\n');
    expect(
      (
        await call(
          t.app,
          'POST',
          `/runner/tasks/${id}/logs`,
          { attempt: 1, seq: 3, stream: 'x', data: '' },
          RH,
        )
      ).body.code,
    ).toBe('VALIDATION_FAILED');
  });

  it('lock paths: a second task on an overlapping path waits until the first finishes or releases', async () => {
    t = await makeTestApi();
    const root = path.join(tempDir('ma-lock-'), 'repo');
    const project = (await call(t.app, 'POST', '/projects', { name: 'p', root_path: root })).body;
    const role = (await call(t.app, 'POST', '/roles', { name: 'r' })).body;
    await registerRunner(t);
    const a = (
      await call(t.app, 'POST', '/tasks', {
        role_id: role.id,
        title: 'a',
        project_id: project.id,
        lock_paths: [path.join(root, 'src')],
      })
    ).body;
    const b = (
      await call(t.app, 'POST', '/tasks', {
        role_id: role.id,
        title: 'b',
        project_id: project.id,
        lock_paths: [path.join(root, 'src', 'x')],
      })
    ).body;
    const bad = await call(t.app, 'POST', '/tasks', {
      role_id: role.id,
      title: 'c',
      project_id: project.id,
      lock_paths: ['/etc'],
    });
    expect(bad.body).toMatchObject({ code: 'PATH_OUTSIDE_ROOT', field: 'lock_paths[0]' });
    expect((await call(t.app, 'POST', `/tasks/${a.id}/dispatch`)).body.runner_submission.submitted).toBe(
      true,
    );
    // The runner gets the lock paths, to take them again host-wide before it spawns.
    expect(t.runner.submits.at(-1)!.body.lock_paths).toEqual([path.join(root, 'src')]);
    const held = (await call(t.app, 'GET', `/tasks/${a.id}`)).body;
    expect(held.locks_held).toEqual([path.join(root, 'src')]);
    const waiting = await call(t.app, 'POST', `/tasks/${b.id}/dispatch`);
    expect(waiting.body).toMatchObject({ code: 'TASK_NOT_DISPATCHABLE', reason: 'lock conflict' });
    const rel = await call(t.app, 'POST', `/tasks/${a.id}/locks/release`);
    expect(rel.body).toEqual({ task_id: a.id, released_paths: [path.join(root, 'src')] });
    expect((await call(t.app, 'POST', `/tasks/${b.id}/dispatch`)).body.runner_submission.submitted).toBe(
      true,
    );
  });
});
