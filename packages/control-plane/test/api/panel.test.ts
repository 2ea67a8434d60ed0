import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { panelFilePath } from '../../src/api/panel.js';
import { makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';

/** A built panel in a temp dir, a secret next to it (what traversal would reach) and a symlink out. */
function fakeDist(): { uiDir: string; secret: string } {
  const base = tempDir('ma-panel-');
  const uiDir = path.join(base, 'dist');
  fs.mkdirSync(path.join(uiDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><div id="root"></div>');
  fs.writeFileSync(path.join(uiDir, 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(uiDir, 'assets', 'index-abc.css'), 'body{}');
  const secret = path.join(base, 'secret.txt');
  fs.writeFileSync(secret, 'TOP-SECRET');
  fs.symlinkSync(secret, path.join(uiDir, 'assets', 'link.txt'));
  return { uiDir, secret };
}

describe('the API serves the web panel under /ui/', () => {
  let t: TestApi | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeTempDirs();
  });

  it('redirects / to /ui/ and serves index.html and hashed assets with their types', async () => {
    const { uiDir } = fakeDist();
    t = await makeTestApi({ uiDir, operatorToken: 'operator-token-0123456789abcdef' });
    const root = await t.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    expect((await t.app.inject({ method: 'GET', url: '/ui' })).headers.location).toBe('/ui/');
    // Public like /health: a browser cannot send the token on navigation; the data calls need it.
    const index = await t.app.inject({ method: 'GET', url: '/ui/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain('id="root"');
    const js = await t.app.inject({ method: 'GET', url: '/ui/assets/index-abc.js?v=1' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('console.log(1)');
    expect(
      (await t.app.inject({ method: 'GET', url: '/ui/assets/index-abc.css' })).headers['content-type'],
    ).toBe('text/css; charset=utf-8');
    // API paths are untouched and still need the token.
    expect((await t.app.inject({ method: 'GET', url: '/workflow-runs' })).statusCode).toBe(401);
  });

  it('refuses traversal, encoded traversal, dotfiles and symlinks out of the dist', async () => {
    const { uiDir } = fakeDist();
    t = await makeTestApi({ uiDir });
    const urls = [
      '/ui/../secret.txt',
      '/ui/assets/../../secret.txt',
      '/ui/%2e%2e/secret.txt',
      '/ui/%2E%2E%2Fsecret.txt',
      '/ui/assets%2f..%2f..%2fsecret.txt',
      '/ui/..%5csecret.txt',
      '/ui/.%00/index.html',
      '/ui/%ZZ',
      '/ui/assets/link.txt',
      '/ui/assets',
      '/ui/nope.js',
    ];
    for (const url of urls) {
      const res = await t.app.inject({ method: 'GET', url });
      // Fastify itself refuses a malformed escape (400) before the route runs.
      expect([400, 404], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain('TOP-SECRET');
    }
  });

  it('answers 503 UI_NOT_BUILT, with a page naming the build command, when the dist is missing', async () => {
    const missing = path.join(tempDir('ma-panel-none-'), 'dist');
    t = await makeTestApi({ uiDir: missing });
    const page = await t.app.inject({ method: 'GET', url: '/ui/', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('UI_NOT_BUILT');
    expect(page.body).toContain('npm run build -w @multyagents/ui');
    const json = await t.app.inject({ method: 'GET', url: '/ui/assets/x.js' });
    expect(json.statusCode).toBe(503);
    expect(json.json()).toMatchObject({ code: 'UI_NOT_BUILT' });
  });

  it('panelFilePath keeps every answer inside the root', () => {
    const root = '/srv/ui/dist';
    expect(panelFilePath(root, '')).toBe('/srv/ui/dist/index.html');
    expect(panelFilePath(root, 'assets/a.js')).toBe('/srv/ui/dist/assets/a.js');
    for (const bad of ['..', '../x', 'a/../../x', '%2e%2e/x', 'a//b', '.env', 'a\\b', '%00', '%E0%A4%A'])
      expect(panelFilePath(root, bad), bad).toBeNull();
  });
});
