import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  ROOT,
  freePort,
  http,
  pidsMatching,
  startApiProc,
  startRunnerProc,
  waitFor,
  type Proc,
} from '../helpers/procs.js';

const BUNDLE_SCRIPT = path.join(ROOT, 'packages/control-plane/scripts/bundle.mjs');
/** Refuse to start unless the bundle is used, so these tests cannot pass on the dist/ fallback. */
const ON = { MULTYAGENTS_BUNDLE: 'on', MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50' };

/** `api` and `runner` started from dist/bundle (scripts/bundle.mjs), as the launcher does after a build. */
describe('bundled api and runner', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-bundle-'));
  const procs: Proc[] = [];
  beforeAll(() => {
    const r = spawnSync(process.execPath, [BUNDLE_SCRIPT, '--quiet'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bundle.mjs failed: ${r.stderr}`);
  });
  afterAll(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    for (const pid of pidsMatching(dir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves, registers a runner and runs a mock-agent step to success', async () => {
    const apiPort = await freePort();
    const base = `http://127.0.0.1:${apiPort}`;
    procs.push(await startApiProc(dir, apiPort, ON));
    const ledger = path.join(dir, 'effects.jsonl');
    const runnerDir = path.join(dir, 'runner');
    procs.push(await startRunnerProc(dir, base, await freePort(), runnerDir, ['--ledger', ledger], ON));

    const health = await http('GET', `${base}/health`);
    expect(health.body.status).toBe('ok');
    const openapi = await http('GET', `${base}/openapi.json`);
    expect(Object.keys(openapi.body.paths)).toContain('/workflow-runs');
    // The runner reports the version read from package.json next to its own module.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/control-plane/package.json'), 'utf8'));
    const runners = (await http('GET', `${base}/runners`)).body as Array<{ version: string }>;
    expect(runners.map((r) => r.version)).toEqual([pkg.version]);

    const role = await http('POST', `${base}/roles`, { name: 'bundled' });
    const tpl = await http('POST', `${base}/workflow-templates`, {
      name: 'one',
      steps: [
        {
          step_id: 'only',
          title: 'Only',
          role_id: role.body.id,
          executor_params: { mock: { duration_ms: 50, lines: ['from the bundle'] } },
        },
      ],
    });
    const run = await http('POST', `${base}/workflow-runs`, { workflow_template_id: tpl.body.id });
    expect(run.status).toBe(200);
    const done = await waitFor('run success', async () => {
      const r = (await http('GET', `${base}/workflow-runs/${run.body.id}`)).body;
      return r.status === 'success' || r.status === 'failed' ? r : null;
    });
    expect(done.status).toBe('success');
    // The mock agent ran as its own process (its script is found next to the executor's module).
    const effects = fs
      .readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(effects).toHaveLength(1);
    expect(effects[0].pid).toEqual(expect.any(Number));
  });

  it('is one ASCII file per process; the API starts loading nothing else but the native SQLite driver', () => {
    const bundleDir = path.join(path.dirname(BIN), '..', 'bundle');
    const manifest = JSON.parse(fs.readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8'));
    for (const name of ['api', 'runner']) {
      const bytes = fs.readFileSync(path.join(bundleDir, manifest.entries[name]));
      expect(isAscii(bytes), `${name} bundle is ASCII (read as latin1, src/bin/bundle.ts)`).toBe(true);
    }
    // The API's start path, up to serving: what else did it load from disk?
    const script = `
      const { createRequire } = await import('node:module');
      const { loadBundled } = await import(${JSON.stringify(path.join(path.dirname(BIN), 'bundle.js'))});
      await loadBundled('api', 'on').entry.main(['node', 'multyagents', 'api', '--port', '0', '--data-dir', process.argv[1], '--log-file', process.argv[1] + '.log']);
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
      process.exit(0);`;
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, path.join(dir, 'api-start')],
      {
        encoding: 'utf8',
        env: { ...process.env, ...ON },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const loaded = (JSON.parse(lines[lines.length - 1]) as string[]).map((f) => path.relative(ROOT, f));
    // The bundle itself is compiled through vm.Script, so only what it requires is listed.
    expect(loaded).toContain('node_modules/better-sqlite3/lib/index.js');
    for (const f of loaded) {
      // package.json: read for the version.
      expect(f).toMatch(
        /^node_modules\/(better-sqlite3|bindings|file-uri-to-path)\/|^packages\/control-plane\/package\.json$/,
      );
    }
  });

  it('names the TypeScript sources in stack traces', () => {
    const notADir = path.join(dir, 'a-file');
    fs.writeFileSync(notADir, '');
    const script = `
      const { loadBundled } = await import(${JSON.stringify(path.join(path.dirname(BIN), 'bundle.js'))});
      const b = loadBundled('api', 'on');
      try {
        await b.entry.main(['node', 'multyagents', 'api', '--port', '0', '--data-dir', process.argv[1]]);
      } catch (err) {
        console.log(err.stack);
      }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, path.join(notADir, 'x')], {
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/ENOTDIR/);
    expect(r.stdout).toMatch(/packages\/control-plane\/src\/api\/server\.ts:\d+:\d+/);
    expect(r.stdout).not.toMatch(/\.cjs:\d+/);
  });
});
