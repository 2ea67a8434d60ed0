/**
 * The product installs the way Node tools do: `npm pack` of packages/control-plane, `npm install` of
 * the tarball in an empty folder (dependencies from the npm registry, better-sqlite3 with its addon),
 * then `npx multyagents up`, a run of the example workflow, `down`. The workspace packages it needs
 * travel inside the tarball (bundleDependencies: contracts, and drills for `chaos`); the benchmark
 * package does not, and its commands say so with a catalogue code.
 *
 * The package is packed from a staged copy (package.json, prepack script, dist/ of the three
 * packages), so that prepack's copies never appear in the repository while other tests run. The web
 * panel is staged as sources, never built: prepack builds it (vite, from the checkout's node_modules)
 * and packs it into dist/ui. The staged index.html carries a marker the checkout's does not, so the
 * panel the installed API serves is shown to be the tarball's copy.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, http, pidsMatching, ROOT } from '../helpers/procs.js';

const INSTALL_MS = 420_000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-packed-'));
const app = path.join(tmp, 'app');
const dataDir = path.join(tmp, 'data');
/** In the staged panel's index.html only: the served page has it only if it came from the tarball. */
const MARKER = `<meta name="multyagents-packed-test" content="${randomUUID()}" />`;

/** The test's environment without npm's workspace settings or any MULTYAGENTS_* knob. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|MULTYAGENTS_|INIT_CWD$)/i.test(k)) env[k] = v;
  }
  // node-gyp compiles better-sqlite3 when no prebuilt addon can be downloaded: use every core.
  return { ...env, JOBS: 'max' };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const npx = (args: string[]) => run('npx', ['--no', 'multyagents', ...args], app);

/** packages/{control-plane,contracts,drills} as npm pack needs them: manifests, prepack, dist/. */
function stage(): string {
  const staged = path.join(tmp, 'packages');
  for (const name of ['control-plane', 'contracts', 'drills']) {
    const from = path.join(ROOT, 'packages', name);
    const to = path.join(staged, name);
    if (!fs.existsSync(path.join(from, 'dist')))
      throw new Error(`packages/${name}/dist missing: run tsc -b first`);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    fs.cpSync(path.join(from, 'dist'), path.join(to, 'dist'), { recursive: true });
  }
  const cp = path.join(staged, 'control-plane');
  fs.cpSync(
    path.join(ROOT, 'packages/control-plane/scripts/prepack.mjs'),
    path.join(cp, 'scripts/prepack.mjs'),
  );
  stageUi(staged);
  return cp;
}

/**
 * packages/ui as sources (no dist: prepack builds it), with the marker in its index.html. Vite and the
 * panel's dependencies resolve through packages/node_modules: one link per entry of the checkout's
 * node_modules (a real folder, so vite's temp files stay in the temp dir).
 */
function stageUi(staged: string): void {
  const from = path.join(ROOT, 'packages/ui');
  const to = path.join(staged, 'ui');
  for (const f of ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'])
    fs.cpSync(path.join(from, f), path.join(to, f), { recursive: true });
  const index = path.join(to, 'index.html');
  fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('</head>', `  ${MARKER}\n  </head>`));
  const modules = path.join(staged, 'node_modules');
  fs.mkdirSync(modules);
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules')))
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name));
}

describe('the packed product', () => {
  let tarball = '';
  let apiPort = 0;

  beforeAll(async () => {
    const cp = stage();
    const packed = ok(run('npm', ['pack', '--json', '--pack-destination', tmp], cp), 'npm pack');
    tarball = path.join(tmp, (JSON.parse(packed) as Array<{ filename: string }>)[0]!.filename);
    fs.mkdirSync(app);
    ok(run('npm', ['install', '--no-audit', '--no-fund', tarball], app, INSTALL_MS), 'npm install <tarball>');
    apiPort = await freePort();
  }, INSTALL_MS + 60_000);

  afterAll(() => {
    if (fs.existsSync(path.join(dataDir, 'run'))) npx(['down', '--data-dir', dataDir]);
    for (const pid of pidsMatching(dataDir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ships dist/ and the workspace packages it needs, not sources, tests or the benchmark', () => {
    const files = ok(run('tar', ['tzf', tarball], tmp), 'tar')
      .split('\n')
      .filter(Boolean);
    expect(files).toContain('package/dist/bin/multyagents.js');
    expect(files).toContain('package/node_modules/@multyagents/contracts/dist/index.js');
    expect(files).toContain('package/node_modules/@multyagents/drills/dist/main.js');
    expect(files).toContain('package/dist/ui/index.html');
    expect(files.filter((f) => /^package\/dist\/ui\/assets\/index-[\w-]+\.js$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.build-stamp'))).toEqual([]);
    expect(
      files.filter((f) => /^package\/(src|test|scripts)\//.test(f) || f.includes('@multyagents/bench')),
    ).toEqual([]);
  });

  it('`up` starts a working stack in an empty folder: health, the panel, a run of the example workflow, status, down', async () => {
    const runnerPort = await freePort();
    const up = npx([
      'up',
      '--data-dir',
      dataDir,
      '--api-port',
      String(apiPort),
      '--runner-port',
      String(runnerPort),
    ]);
    expect(up.status, up.stderr).toBe(0);
    const health = await http('GET', `http://127.0.0.1:${apiPort}/health`);
    expect(health.body).toMatchObject({ status: 'ok', store: 'sqlite' });
    await expectPanelFromTarball(apiPort);

    const workflow = path.join(ROOT, 'examples/two-step.json');
    const runOut = npx(['run', workflow, '--data-dir', dataDir]);
    expect(runOut.status, runOut.stderr).toBe(0);
    expect(runOut.stdout + runOut.stderr).toMatch(/run \d+ success/);

    const status = npx(['status', '--data-dir', dataDir]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/runner-1 .* liveness online/);

    const down = npx(['down', '--data-dir', dataDir]);
    expect(down.status, down.stderr).toBe(0);
    expect(pidsMatching(dataDir)).toEqual([]);
  });

  it('`chaos` comes with the product; `bench` says in one line that its package is not installed', () => {
    const list = npx(['chaos', '--list']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^api_restart_tolerant_flow /m);
    const bench = npx(['bench', '--quick']);
    expect(bench.status).toBe(3);
    expect(bench.stderr.trim()).toMatch(
      /^multyagents bench: TOOLING_NOT_INSTALLED: .*@multyagents\/bench[^\n]*$/,
    );
  });
});

/**
 * `/ui/` of the installed API is the tarball's panel: the page equals the installed package's
 * dist/ui/index.html (inside the temp install dir) and has the staged marker, which the checkout's
 * packages/ui never has; its entry script is served with a JavaScript type and the installed bytes.
 */
async function expectPanelFromTarball(port: number): Promise<void> {
  const installedUi = path.join(app, 'node_modules/@multyagents/control-plane/dist/ui');
  const page = await fetch(`http://127.0.0.1:${port}/ui/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await page.text();
  expect(html).toBe(fs.readFileSync(path.join(installedUi, 'index.html'), 'utf8'));
  expect(html).toContain(MARKER);
  expect(fs.readFileSync(path.join(ROOT, 'packages/ui/index.html'), 'utf8')).not.toContain(MARKER);
  const script = /<script type="module" crossorigin src="\/ui\/(assets\/index-[\w-]+\.js)">/.exec(html);
  expect(script, html).not.toBeNull();
  const asset = await fetch(`http://127.0.0.1:${port}/ui/${script![1]}`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(
    Buffer.from(await asset.arrayBuffer()).equals(fs.readFileSync(path.join(installedUi, script![1]!))),
  ).toBe(true);
}
