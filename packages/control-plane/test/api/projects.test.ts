import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';

describe('projects API', () => {
  let t: TestApi;
  let root: string;
  beforeEach(async () => {
    t = await makeTestApi();
    root = path.join(tempDir('ma-proj-'), 'repo');
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('creates with 200, makes the directories, and lists', async () => {
    const res = await call(t.app, 'POST', '/projects', {
      name: 'p1',
      root_path: root,
      allowed_paths: [path.join(root, 'src')],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 1,
      name: 'p1',
      root_path: root,
      allowed_paths: [path.join(root, 'src')],
      default_branch: null,
      worktree_setup: { copy_files: [], command: null, hooks: false, lfs_smudge: false },
    });
    expect(fs.existsSync(path.join(root, 'src'))).toBe(true);
    const list = await call(t.app, 'GET', '/projects');
    expect(list.body).toHaveLength(1);
  });

  it('refuses relative roots, .. and paths outside the root with stable codes', async () => {
    expect((await call(t.app, 'POST', '/projects', { name: 'a', root_path: 'rel/path' })).body.code).toBe(
      'PATH_NOT_ABSOLUTE',
    );
    const dotdot = await call(t.app, 'POST', '/projects', {
      name: 'a',
      root_path: root,
      allowed_paths: [`${root}/../x`],
    });
    expect(dotdot.status).toBe(422);
    expect(dotdot.body.code).toBe('PATH_OUTSIDE_ROOT');
    const outside = await call(t.app, 'POST', '/projects', {
      name: 'a',
      root_path: root,
      allowed_paths: ['/etc'],
    });
    expect(outside.body).toMatchObject({ code: 'PATH_OUTSIDE_ROOT', field: 'allowed_paths[0]' });
  });

  it('resolves paths as v1 did: a trailing slash, `.` and a `..` that stays inside the root', async () => {
    const r = await call(t.app, 'POST', '/projects', {
      name: 'resolved',
      root_path: `${root}/./`,
      allowed_paths: [`${root}/src/../docs/`],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ root_path: root, allowed_paths: [path.join(root, 'docs')] });
  });

  it('refuses a symlink that escapes the root', async () => {
    fs.mkdirSync(root, { recursive: true });
    const outside = tempDir('ma-out-');
    fs.symlinkSync(outside, path.join(root, 'link'));
    const res = await call(t.app, 'POST', '/projects', {
      name: 'a',
      root_path: root,
      allowed_paths: [path.join(root, 'link', 'sub')],
    });
    expect(res.body.code).toBe('PATH_OUTSIDE_ROOT');
  });

  it('names the bad field on validation errors and keeps the detail list shape', async () => {
    const res = await call(t.app, 'POST', '/projects', { root_path: root });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.field).toBe('name');
    expect(res.body.detail[0].loc).toEqual(['body', 'name']);
  });

  it('404s unknown ids, 409s duplicate names, deletes with 204', async () => {
    expect((await call(t.app, 'GET', '/projects/99')).body.code).toBe('PROJECT_NOT_FOUND');
    await call(t.app, 'POST', '/projects', { name: 'p', root_path: root });
    const dup = await call(t.app, 'POST', '/projects', { name: 'p', root_path: root });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('NAME_CONFLICT');
    const put = await call(t.app, 'PUT', '/projects/1', { name: 'p2', root_path: root });
    expect(put.body.name).toBe('p2');
    expect((await call(t.app, 'DELETE', '/projects/1')).status).toBe(204);
    expect((await call(t.app, 'GET', '/projects/1')).status).toBe(404);
  });

  it('an update and a delete are events, like a create (the panel follows them live); a refusal is none', async () => {
    await call(t.app, 'POST', '/projects', { name: 'p', root_path: root });
    await call(t.app, 'PUT', '/projects/1', { name: 'p2', root_path: root });
    const dup = await call(t.app, 'PUT', '/projects/1', { name: 'p2', root_path: '/nope/relative/../x' });
    expect(dup.status).not.toBe(200);
    expect((await call(t.app, 'DELETE', '/projects/1')).status).toBe(204);
    const events = await call(t.app, 'GET', '/events?limit=1000');
    const mine = (events.body as Array<{ event_type: string; payload: Record<string, unknown> }>).filter(
      (e) => e.event_type.startsWith('project.'),
    );
    expect(mine.map((e) => [e.event_type, e.payload])).toEqual([
      ['project.created', { project_id: 1, name: 'p' }],
      ['project.updated', { project_id: 1, name: 'p2' }],
      ['project.deleted', { project_id: 1, name: 'p2' }],
    ]);
  });

  it('refuses oversized bodies with 413 BODY_TOO_LARGE', async () => {
    const res = await call(t.app, 'POST', '/projects', {
      name: 'x'.repeat(5 * 1024 * 1024),
      root_path: root,
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('BODY_TOO_LARGE');
  });

  it('serves health, contracts and a generated openapi document', async () => {
    expect((await call(t.app, 'GET', '/health')).body.status).toBe('ok');
    expect((await call(t.app, 'GET', '/contracts/current')).body.contract_version).toBe('v1');
    const doc = await call(t.app, 'GET', '/openapi.json');
    expect(doc.body.paths['/projects'].post.requestBody).toBeDefined();
  });
});
