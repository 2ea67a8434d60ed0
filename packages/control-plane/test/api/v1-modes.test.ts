/**
 * Execution-mode validation as the first version did it (reference §3 "Execution modes"): at task
 * creation, for run step overrides and again at dispatch, with our stable codes and v1's detail texts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimReady } from '../../src/scheduler/dispatchPass.js';
import { call, makeTestApi, tempDir, type TestApi } from '../helpers/context.js';
import { registerRunner } from '../helpers/fixtures.js';

describe('v1 execution-mode validation', () => {
  let t: TestApi;
  let root: string;
  let outside: string;
  afterEach(() => t.close());

  /** A project whose allowed paths are `allowed` (relative to its root), a role, a symlink out. */
  async function seed(allowed: string[] = []) {
    t = await makeTestApi();
    const base = tempDir('ma-v1m-');
    root = path.join(base, 'repo');
    outside = path.join(base, 'outside');
    fs.mkdirSync(outside, { recursive: true });
    const project = await call(t.app, 'POST', '/projects', {
      name: 'p',
      root_path: root,
      allowed_paths: allowed.map((a) => path.join(root, a)),
    });
    expect(project.status).toBe(200);
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'src', 'link'));
    expect((await call(t.app, 'POST', '/roles', { name: 'coder' })).status).toBe(200);
  }

  const task = (body: Record<string, unknown>) =>
    call(t.app, 'POST', '/tasks', { role_id: 1, title: 'work', ...body });

  it('shared-workspace: a project and lock paths, resolved (.., symlinks) inside the root', async () => {
    await seed();
    const cases: Array<[Record<string, unknown>, string, string, string]> = [
      [
        { execution_mode: 'shared-workspace', lock_paths: [root] },
        'VALIDATION_FAILED',
        'project_id',
        'project_id is required for shared-workspace mode',
      ],
      [
        { execution_mode: 'shared-workspace', project_id: 1 },
        'VALIDATION_FAILED',
        'lock_paths',
        'lock_paths is required for shared-workspace mode',
      ],
      [
        { execution_mode: 'shared-workspace', project_id: 1, lock_paths: ['src'] },
        'PATH_NOT_ABSOLUTE',
        'lock_paths[0]',
        'lock_paths values must be absolute paths',
      ],
      [
        { execution_mode: 'shared-workspace', project_id: 1, lock_paths: [`${root}/src/../../outside`] },
        'PATH_OUTSIDE_ROOT',
        'lock_paths[0]',
        `lock path is outside project root: ${outside}`,
      ],
      [
        { execution_mode: 'shared-workspace', project_id: 1, lock_paths: [root, `${root}/src/link/x`] },
        'PATH_OUTSIDE_ROOT',
        'lock_paths[1]',
        `lock path is outside project root: ${outside}/x`,
      ],
    ];
    for (const [body, code, field, detail] of cases) {
      const res = await task(body);
      expect(res.status, detail).toBe(422);
      expect(res.body).toEqual({ code, field, detail });
    }
    expect((await call(t.app, 'GET', '/tasks')).body).toEqual([]);
    // Nested paths collapse into the outer one; `..` that stays inside is resolved, as v1 did.
    const ok = await task({
      execution_mode: 'shared-workspace',
      project_id: 1,
      lock_paths: [`${root}/src/a`, `${root}/docs/../src`, `${root}/src/b`],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.lock_paths).toEqual([`${root}/src`]);
  });

  it('allowed paths: a lock path or mount source outside them is PATH_OUTSIDE_ALLOWED', async () => {
    await seed(['src']);
    const lock = await task({
      execution_mode: 'shared-workspace',
      project_id: 1,
      lock_paths: [`${root}/docs`],
    });
    expect(lock.status).toBe(422);
    expect(lock.body).toMatchObject({
      code: 'PATH_OUTSIDE_ALLOWED',
      detail: `lock path is outside allowed paths: ${root}/docs`,
    });
    const mount = await task({
      execution_mode: 'docker-sandbox',
      project_id: 1,
      sandbox: { image: 'alpine', command: ['true'], mounts: [{ source: `${root}/docs`, target: '/w' }] },
    });
    expect(mount.body).toMatchObject({
      code: 'PATH_OUTSIDE_ALLOWED',
      field: 'sandbox.mounts[0].source',
      detail: `sandbox mount source is outside allowed paths: ${root}/docs`,
    });
  });

  it('docker-sandbox: a project and a sandbox, mounts inside; a sandbox with any other mode is 422', async () => {
    await seed();
    const sandbox = { image: 'alpine', command: ['true'] };
    const cases: Array<[Record<string, unknown>, string, string, string]> = [
      [
        { execution_mode: 'docker-sandbox', sandbox },
        'VALIDATION_FAILED',
        'project_id',
        'project_id is required for docker-sandbox mode',
      ],
      [
        { execution_mode: 'docker-sandbox', project_id: 1 },
        'VALIDATION_FAILED',
        'sandbox',
        'sandbox is required for docker-sandbox mode',
      ],
      [
        { execution_mode: 'no-workspace', sandbox },
        'VALIDATION_FAILED',
        'sandbox',
        'sandbox is supported only for docker-sandbox mode',
      ],
      [
        { execution_mode: 'docker-sandbox', project_id: 1, sandbox: { ...sandbox, workdir: 'w' } },
        'PATH_NOT_ABSOLUTE',
        'sandbox.workdir',
        'sandbox workdir must be absolute path',
      ],
      [
        {
          execution_mode: 'docker-sandbox',
          project_id: 1,
          sandbox: { ...sandbox, mounts: [{ source: `${root}/src/link`, target: '/w' }] },
        },
        'PATH_OUTSIDE_ROOT',
        'sandbox.mounts[0].source',
        `sandbox mount source is outside project root: ${outside}`,
      ],
      [
        {
          execution_mode: 'docker-sandbox',
          project_id: 1,
          sandbox: { ...sandbox, mounts: [{ source: `${root}/../outside`, target: '/w' }] },
        },
        'PATH_OUTSIDE_ROOT',
        'sandbox.mounts[0].source',
        `sandbox mount source is outside project root: ${outside}`,
      ],
    ];
    for (const [body, code, field, detail] of cases) {
      const res = await task(body);
      expect(res.status, detail).toBe(422);
      expect(res.body).toEqual({ code, field, detail });
    }
    const ok = await task({
      execution_mode: 'docker-sandbox',
      project_id: 1,
      sandbox: { ...sandbox, mounts: [{ source: `${root}/src/../src`, target: '/w', read_only: true }] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.sandbox).toEqual({
      ...sandbox,
      workdir: '/workspace/project',
      env: {},
      mounts: [{ source: `${root}/src`, target: '/w', read_only: true }],
    });
  });

  it('run step overrides: the same rules, the field under step_task_overrides.<step>', async () => {
    await seed(['src']);
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'flow',
      project_id: 1,
      steps: [{ step_id: 'a', role_id: 1, title: 'A' }],
    });
    expect(tpl.status).toBe(200);
    const run = (a: Record<string, unknown>) =>
      call(t.app, 'POST', '/workflow-runs', { workflow_template_id: 1, step_task_overrides: { a } });
    const cases: Array<[Record<string, unknown>, string, string, string]> = [
      [
        { execution_mode: 'shared-workspace' },
        'VALIDATION_FAILED',
        'step_task_overrides.a.lock_paths',
        'lock_paths is required for shared-workspace mode',
      ],
      [
        { execution_mode: 'shared-workspace', lock_paths: [`${root}/docs`] },
        'PATH_OUTSIDE_ALLOWED',
        'step_task_overrides.a.lock_paths[0]',
        `lock path is outside allowed paths: ${root}/docs`,
      ],
      [
        { execution_mode: 'no-workspace', sandbox: { image: 'alpine', command: ['true'] } },
        'VALIDATION_FAILED',
        'step_task_overrides.a.sandbox',
        'sandbox is supported only for docker-sandbox mode',
      ],
      [
        { execution_mode: 'docker-sandbox' },
        'VALIDATION_FAILED',
        'step_task_overrides.a.sandbox',
        'sandbox is required for docker-sandbox mode',
      ],
    ];
    for (const [o, code, field, detail] of cases) {
      const res = await run(o);
      expect(res.status, detail).toBe(422);
      expect(res.body).toEqual({ code, field, detail });
    }
    const other = await run({ project_id: 2 });
    expect(other.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'step_task_overrides.a.project_id',
    });
    expect((await call(t.app, 'GET', '/workflow-runs')).body).toEqual([]);
    const ok = await run({ execution_mode: 'shared-workspace', lock_paths: [`${root}/src/x`] });
    expect(ok.status).toBe(200);
    const created = (await call(t.app, 'GET', `/tasks/${ok.body.task_ids[0]}`)).body;
    expect(created).toMatchObject({ project_id: 1, lock_paths: [`${root}/src/x`] });
  });

  it('at dispatch: a project narrowed after creation is 422 by hand; the scheduler holds the task', async () => {
    await seed(['src']);
    await call(t.app, 'POST', '/workflow-templates', {
      name: 'flow',
      project_id: 1,
      steps: [{ step_id: 'a', role_id: 1, title: 'A' }],
    });
    const run = await call(t.app, 'POST', '/workflow-runs', {
      workflow_template_id: 1,
      step_task_overrides: { a: { execution_mode: 'shared-workspace', lock_paths: [`${root}/src`] } },
    });
    const id = run.body.task_ids[0] as number;
    await registerRunner(t);
    const narrowed = await call(t.app, 'PUT', '/projects/1', {
      name: 'p',
      root_path: root,
      allowed_paths: [path.join(root, 'docs')],
    });
    expect(narrowed.status).toBe(200);
    expect((await claimReady(t.ctx)).claimed).toEqual([]);
    expect((await claimReady(t.ctx)).claimed).toEqual([]);
    const blocked = (await call(t.app, 'GET', `/events?task_id=${id}&event_type=task.dispatch_blocked`)).body;
    expect(blocked).toHaveLength(1);
    expect(blocked[0].payload).toEqual({
      reason: 'workspace-invalid',
      code: 'PATH_OUTSIDE_ALLOWED',
      detail: `lock path is outside allowed paths: ${root}/src`,
    });
    const manual = await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    expect(manual.status).toBe(422);
    expect(manual.body).toMatchObject({
      code: 'PATH_OUTSIDE_ALLOWED',
      detail: `lock path is outside allowed paths: ${root}/src`,
    });
    expect((await call(t.app, 'GET', `/tasks/${id}`)).body.status).toBe('created');
    // The project fixed: the same task goes.
    await call(t.app, 'PUT', '/projects/1', { name: 'p', root_path: root, allowed_paths: [] });
    expect((await claimReady(t.ctx)).claimed.map((c) => c.taskId)).toEqual([id]);
  });

  it('references: an unknown role or project is 404; GET /tasks?run_id=<unknown> is 404', async () => {
    await seed();
    const role = await task({ role_id: 7 });
    expect(role.status).toBe(404);
    expect(role.body).toMatchObject({ code: 'ROLE_NOT_FOUND', field: 'role_id', detail: 'role 7 not found' });
    const project = await task({ project_id: 9 });
    expect(project.status).toBe(404);
    expect(project.body).toMatchObject({ code: 'PROJECT_NOT_FOUND', detail: 'project 9 not found' });
    const list = await call(t.app, 'GET', '/tasks?run_id=5');
    expect(list.status).toBe(404);
    expect(list.body).toMatchObject({ code: 'WORKFLOW_RUN_NOT_FOUND', detail: 'workflow run 5 not found' });
  });
});
