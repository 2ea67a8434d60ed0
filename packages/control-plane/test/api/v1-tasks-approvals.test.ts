/**
 * First version §1 "Tasks" (locks/release) and "Approvals" (ApprovalRead) in-process: the shapes a v1
 * client reads.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { registerRunner } from '../helpers/fixtures.js';

describe('v1 task locks and approvals (in-process)', () => {
  let t: TestApi;
  let role: number;
  beforeEach(async () => {
    t = await makeTestApi();
    await registerRunner(t);
    role = (await call(t.app, 'POST', '/roles', { name: 'gatekeeper' })).body.id;
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('GET /approvals/{id} → ApprovalRead with decided_by and comment; approve records them', async () => {
    const task = (
      await call(t.app, 'POST', '/tasks', { role_id: role, title: 'gated', requires_approval: true })
    ).body.id;
    const gate = await call(t.app, 'GET', `/tasks/${task}/approval`);
    expect(gate.status).toBe(200);
    expect(gate.body).toMatchObject({ task_id: task, status: 'pending', decided_by: null, comment: null });
    const ok = await call(t.app, 'POST', `/approvals/${gate.body.id}/approve`, {
      actor: 'alice',
      comment: 'ship it',
    });
    expect(ok.body).toMatchObject({
      id: gate.body.id,
      task_id: task,
      status: 'approved',
      decided_by: 'alice',
      comment: 'ship it',
    });
    expect((await call(t.app, 'GET', `/approvals/${gate.body.id}`)).body.decided_by).toBe('alice');
  });

  it('POST /tasks/{id}/locks/release → only the locks the task holds (none before dispatch or once released)', async () => {
    const root = path.join(t.dir, 'proj');
    const project = (await call(t.app, 'POST', '/projects', { name: 'p', root_path: root })).body.id;
    const lock = path.join(root, 'src');
    const task = (
      await call(t.app, 'POST', '/tasks', {
        role_id: role,
        title: 'edit',
        project_id: project,
        execution_mode: 'shared-workspace',
        lock_paths: [lock],
      })
    ).body.id;
    const before = await call(t.app, 'POST', `/tasks/${task}/locks/release`);
    expect(before.body).toEqual({ task_id: task, released_paths: [] });
    expect((await call(t.app, 'POST', `/tasks/${task}/dispatch`)).status).toBe(200);
    const held = await call(t.app, 'POST', `/tasks/${task}/locks/release`);
    expect(held.body).toEqual({ task_id: task, released_paths: [lock] });
    expect((await call(t.app, 'GET', `/tasks/${task}`)).body.locks_held).toEqual([]);
    const again = await call(t.app, 'POST', `/tasks/${task}/locks/release`);
    expect(again.body).toEqual({ task_id: task, released_paths: [] });
    const ev = await call(t.app, 'GET', `/events?task_id=${task}&event_type=task.locks_released`);
    expect(ev.body).toHaveLength(1);
  });

  it('POST /tasks/{id}/locks/release honours its body: `paths` must name exactly the held locks; other fields are 422', async () => {
    const root = path.join(t.dir, 'proj');
    const project = (await call(t.app, 'POST', '/projects', { name: 'p', root_path: root })).body.id;
    const lock = path.join(root, 'src');
    const task = (
      await call(t.app, 'POST', '/tasks', {
        role_id: role,
        title: 'edit',
        project_id: project,
        execution_mode: 'shared-workspace',
        lock_paths: [lock],
      })
    ).body.id;
    expect((await call(t.app, 'POST', `/tasks/${task}/dispatch`)).status).toBe(200);
    const release = (body: unknown) => call(t.app, 'POST', `/tasks/${task}/locks/release`, body);
    const other = await release({ paths: [path.join(root, 'docs')] });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'paths' });
    const none = await release({ paths: [] });
    expect(none.status).toBe(422);
    const unknown = await release({ path: lock });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'path' });
    expect((await call(t.app, 'GET', `/tasks/${task}`)).body.locks_held).toEqual([lock]);
    const exact = await release({ paths: [`${lock}/`] });
    expect(exact.body).toEqual({ task_id: task, released_paths: [lock] });
    expect((await call(t.app, 'GET', `/tasks/${task}`)).body.locks_held).toEqual([]);
  });

  it('POST /workflow-runs: step_task_overrides only with a template and empty task_ids (422)', async () => {
    const tpl = (
      await call(t.app, 'POST', '/workflow-templates', {
        name: 'one',
        steps: [{ step_id: 'a', role_id: role, title: 'A' }],
      })
    ).body.id;
    const task = (await call(t.app, 'POST', '/tasks', { role_id: role, title: 'loose' })).body.id;
    const overrides = { a: { context7_mode: 'force_on' } };
    for (const body of [
      { task_ids: [task], step_task_overrides: overrides },
      { workflow_template_id: tpl, task_ids: [task], step_task_overrides: overrides },
    ]) {
      const r = await call(t.app, 'POST', '/workflow-runs', body);
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'step_task_overrides' });
    }
    const ok = await call(t.app, 'POST', '/workflow-runs', {
      workflow_template_id: tpl,
      step_task_overrides: overrides,
    });
    expect(ok.status).toBe(200);
  });
});
