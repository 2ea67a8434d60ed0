import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveProjectRoots } from '../../src/config/api.js';
import { call, makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';

/** Project roots only under an allowed base (issue 18 item 7): symlinks followed, never `/`. */
describe('project roots under an allowed base', () => {
  let t: TestApi;
  let base: string;
  beforeEach(async () => {
    base = tempDir('ma-base-');
    t = await makeTestApi({ projectRoots: [base] });
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  const outside = (r: { status: number; body: any }, field = 'root_path') => {
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'PROJECT_ROOT_OUTSIDE_BASE', field });
    expect(r.body.detail).toContain(base);
  };

  it('a root inside the base is created', async () => {
    const r = await call(t.app, 'POST', '/projects', { name: 'ok', root_path: path.join(base, 'repo') });
    expect(r.status).toBe(200);
  });

  it('/, /etc and a sibling temp dir are refused, and nothing is created', async () => {
    outside(await call(t.app, 'POST', '/projects', { name: 'a', root_path: '/' }));
    outside(await call(t.app, 'POST', '/projects', { name: 'b', root_path: '/etc' }));
    const sibling = path.join(tempDir('ma-other-'), 'repo');
    outside(await call(t.app, 'POST', '/projects', { name: 'c', root_path: sibling }));
    expect(fs.existsSync(sibling)).toBe(false);
    outside(await call(t.app, 'POST', '/projects', { name: 'd', root_path: `${base}/../x` }));
  });

  it('a root that is a symlink (or under one) to /etc is refused', async () => {
    fs.symlinkSync('/etc', path.join(base, 'etc-link'));
    outside(await call(t.app, 'POST', '/projects', { name: 'a', root_path: path.join(base, 'etc-link') }));
    outside(
      await call(t.app, 'POST', '/projects', { name: 'b', root_path: path.join(base, 'etc-link', 'new') }),
    );
  });

  it('a base given as `/` allows nothing beyond itself: `/` as a root is refused even then', async () => {
    const wide = await makeTestApi({ projectRoots: ['/'] });
    try {
      const r = await call(wide.app, 'POST', '/projects', { name: 'root', root_path: '/' });
      expect(r.body.code).toBe('PROJECT_ROOT_OUTSIDE_BASE');
    } finally {
      await wide.close();
    }
  });

  it('a stored project outside the (narrowed) bases still reads; only create/update are judged', async () => {
    const root = path.join(base, 'repo');
    const created = await call(t.app, 'POST', '/projects', { name: 'p', root_path: root });
    expect(created.status).toBe(200);
    t.ctx.config.projectRoots = [tempDir('ma-narrow-')];
    expect((await call(t.app, 'GET', `/projects/${created.body.id}`)).status).toBe(200);
    const put = await call(t.app, 'PUT', `/projects/${created.body.id}`, { name: 'p2', root_path: root });
    expect(put.status).toBe(422);
    expect(put.body.code).toBe('PROJECT_ROOT_OUTSIDE_BASE');
  });
});

describe('resolveProjectRoots', () => {
  it('defaults to the home directory and the data dir parent', () => {
    expect(resolveProjectRoots(undefined, '/srv/ma/data', '/')).toEqual([os.homedir(), '/srv/ma']);
  });
  it('drops a default that would be `/`', () => {
    expect(resolveProjectRoots(undefined, '/data', '/')).not.toContain('/');
  });
  it('parses a colon-separated list; refuses `/` and relative entries', () => {
    expect(resolveProjectRoots('/a:/b/:/a', '/x/d', '/')).toEqual(['/a', '/b']);
    expect(() => resolveProjectRoots('/a:/', '/x/d', '/')).toThrow(/would allow a project anywhere/);
    expect(() => resolveProjectRoots('rel', '/x/d', '/')).toThrow(/not an absolute/);
  });
});
