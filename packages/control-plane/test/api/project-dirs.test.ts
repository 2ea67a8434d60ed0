import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, tempDir, type TestApi } from '../helpers/context.js';

/**
 * Project roots: never on a pseudo-filesystem (a recursive mkdir under /proc/self looped forever and hung
 * the API), directories made only after the request is validated.
 */
describe('project directories', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(async () => {
    await t.close();
  });

  it('/proc/self/x is 422 PATH_NOT_ALLOWED at once, and the API still answers', async () => {
    for (const root of ['/proc/self/x', '/sys/kernel/x', '/dev/shm-not/x']) {
      const r = await call(t.app, 'POST', '/projects', { name: `p-${root}`, root_path: root });
      expect(r.status, root).toBe(422);
      expect(r.body).toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'root_path' });
    }
    expect((await call(t.app, 'GET', '/health')).status).toBe(200);
  });

  it('a symlink into /proc is followed and refused', async () => {
    const dir = tempDir('ma-projdirs-');
    fs.symlinkSync('/proc/self', path.join(dir, 'link'));
    const r = await call(t.app, 'POST', '/projects', {
      name: 'via-link',
      root_path: path.join(dir, 'link', 'x'),
    });
    expect(r.body.code).toBe('PATH_NOT_ALLOWED');
    expect(r.body.detail).toContain('proc');
  });

  it('a refused create or update leaves no directory behind', async () => {
    const base = tempDir('ma-projdirs-');
    expect(
      (await call(t.app, 'POST', '/projects', { name: 'taken', root_path: path.join(base, 'a') })).status,
    ).toBe(200);
    const conflict = await call(t.app, 'POST', '/projects', {
      name: 'taken',
      root_path: path.join(base, 'b'),
    });
    expect(conflict.body.code).toBe('NAME_CONFLICT');
    expect(fs.existsSync(path.join(base, 'b'))).toBe(false);
    const missing = await call(t.app, 'PUT', '/projects/999', { name: 'x', root_path: path.join(base, 'c') });
    expect(missing.status).toBe(404);
    expect(fs.existsSync(path.join(base, 'c'))).toBe(false);
  });

  it('a root below a regular file is a clear 422, not a hang', async () => {
    const base = tempDir('ma-projdirs-');
    fs.writeFileSync(path.join(base, 'file'), 'x');
    const r = await call(t.app, 'POST', '/projects', {
      name: 'under-file',
      root_path: path.join(base, 'file', 'x'),
    });
    expect(r.status).toBe(422);
    expect(r.body.detail).toMatch(/exists and is not a directory/);
  });
});

describe('loose input', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(async () => {
    await t.close();
  });

  it('a path id has one spelling: /projects/+1 and /projects/01 are refused, /projects/1 is found', async () => {
    const root = tempDir('ma-ids-');
    const p = await call(t.app, 'POST', '/projects', { name: 'one', root_path: root });
    expect(p.body.id).toBe(1);
    expect((await call(t.app, 'GET', '/projects/1')).status).toBe(200);
    for (const spelled of ['+1', '01', '1.0', '1e0', ' 1'])
      expect((await call(t.app, 'GET', `/projects/${encodeURIComponent(spelled)}`)).status, spelled).toBe(
        422,
      );
  });

  it('a name with a NUL byte or a newline is refused', async () => {
    for (const name of ['a\u0000b', 'a\nb']) {
      const r = await call(t.app, 'POST', '/roles', { name });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
