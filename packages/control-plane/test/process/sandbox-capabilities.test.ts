import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveRunnerConfig } from '../../src/config/runner.js';
import { probeBwrap } from '../../src/executors/sandbox.js';
import { detectCapabilities, dockerAnswers, gitVersion } from '../../src/runner/capabilities.js';

/** The probes against this host and against sockets the test serves itself. */
describe('runner capabilities on this host', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('git-worktree (git ≥ 2.38 here), no docker (a client but no engine), bwrap exactly when its probe passes', async () => {
    expect(await gitVersion()).not.toBeNull();
    const probe = await probeBwrap();
    const caps = await detectCapabilities(resolveRunnerConfig({}, {}, os.tmpdir()));
    expect(caps).toContain('git-worktree');
    expect(caps).not.toContain('docker');
    expect(caps.includes('bwrap')).toBe(probe.ok);
    expect(await detectCapabilities(resolveRunnerConfig({ sandbox: 'off' }, {}, os.tmpdir()))).not.toContain(
      'bwrap',
    );
  });

  it('a missing bwrap binary fails the probe with a message naming it', async () => {
    const p = await probeBwrap('/nonexistent/bwrap');
    expect(p.ok).toBe(false);
    expect(p.message).toContain('/nonexistent/bwrap');
  });

  it('docker: yes only when an engine answers /_ping with 200 on the socket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-sock-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const serve = async (name: string, handler: http.RequestListener) => {
      const sock = path.join(dir, name);
      const srv = http.createServer(handler);
      await new Promise<void>((r) => srv.listen(sock, r));
      cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
      return sock;
    };
    const engine = await serve('ok.sock', (req, res) => {
      res.statusCode = req.url === '/_ping' ? 200 : 404;
      res.end('OK');
    });
    const broken = await serve('broken.sock', (_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const hung = await serve('hung.sock', () => {
      /* never answers: the 1 s timeout decides */
    });
    expect(await dockerAnswers(engine)).toBe(true);
    expect(await dockerAnswers(broken)).toBe(false);
    expect(await dockerAnswers(hung, 200)).toBe(false);
    expect(await dockerAnswers(path.join(dir, 'absent.sock'))).toBe(false);
  });
});
