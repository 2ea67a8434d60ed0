import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import {
  alive,
  assertBuilt,
  BIN,
  cli,
  deadPid,
  killLeftovers,
  processesMentioning,
  tempDir,
} from './cli-harness.js';

/** What the launcher detects and explains before it starts anything. */
describe('launcher conflicts', () => {
  let dir: string;
  let apiPort: number;
  let runnerPort: number;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(() => assertBuilt());
  beforeEach(async () => {
    dir = tempDir('ma-cli-conflict-');
    apiPort = await freePort();
    runnerPort = await freePort();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    killLeftovers(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function hold(port: number): Promise<void> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
  }

  const up = (...extra: string[]) =>
    cli([
      'up',
      '--data-dir',
      dir,
      '--api-port',
      String(apiPort),
      '--runner-port',
      String(runnerPort),
      ...extra,
    ]);

  function expectNothingStarted(): void {
    const run = path.join(dir, 'run');
    const pidFiles = fs.existsSync(run) ? fs.readdirSync(run).filter((f) => f.endsWith('.pid')) : [];
    expect(pidFiles).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
  }

  it('port taken (API): exit 3, one line naming the port and the process holding it, nothing started', async () => {
    await hold(apiPort);
    const r = await up();
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^multyagents up: PORT_IN_USE: port ${apiPort} on 127\\.0\\.0\\.1 \\(API\\)`),
    );
    expect(lines[0]).toContain(`pid ${process.pid}`);
    expect(lines[0]).toContain('--api-port');
    expectNothingStarted();
  });

  it('port taken (runner): the API is not started either', async () => {
    await hold(runnerPort);
    const r = await up();
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`PORT_IN_USE: port ${runnerPort} .*\\(runner-1\\).*--runner-port`));
    expectNothingStarted();
  });

  it('data dir locked by an API started by hand: exit 3 naming its pid', async () => {
    const other = await freePort();
    const api: ChildProcess = spawn(
      process.execPath,
      [BIN, 'api', '--data-dir', dir, '--port', String(other)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    cleanups.push(async () => {
      if (api.exitCode === null) {
        api.kill('SIGKILL');
        await new Promise((r) => api.once('exit', r));
      }
    });
    await new Promise<void>((resolve, reject) => {
      api.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      api.once('exit', (c) => reject(new Error(`api exited ${c}`)));
    });
    const r = await up();
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(
      `multyagents up: DATA_DIR_LOCKED: data dir ${dir} is in use by another API (pid ${api.pid}) — ` +
        'stop that process, or use another --data-dir',
    );
    expect(fs.existsSync(path.join(dir, 'run', 'api.pid'))).toBe(false);
    expect(alive(api.pid!)).toBe(true);
  });

  it('--executor codex without codex installed: exit 3, nothing started', async () => {
    const r = await cli(
      [
        'up',
        '--data-dir',
        dir,
        '--api-port',
        String(apiPort),
        '--runner-port',
        String(runnerPort),
        '--executor',
        'codex',
      ],
      { env: { PATH: dir } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /EXECUTOR_UNAVAILABLE: --executor codex needs the `codex` CLI, not found on PATH/,
    );
    expectNothingStarted();
  });

  it('down with stale pid files says so, removes them and exits 0', async () => {
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
    const dead = await deadPid();
    fs.writeFileSync(path.join(dir, 'run', 'api.pid'), `${dead}\n`);
    const r = await cli(['down', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `stale pid file ${path.join(dir, 'run', 'api.pid')}: pid ${dead} is not running`,
    );
    expect(r.stdout).toContain('nothing was running');
    expect(fs.existsSync(path.join(dir, 'run', 'api.pid'))).toBe(false);
  });

  it('invalid arguments exit 2 with one line; commands needing a stack explain its absence', async () => {
    const bad = await cli(['up', '--data-dir', dir, '--dispatch', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'multyagents up: USAGE: --dispatch must be one of auto|manual, got "sometimes"',
    );
    expect((await cli(['up', '--no-such-flag'])).code).toBe(2);
    const nostack = await cli(['restart', 'api', '--data-dir', dir]);
    expect(nostack.code).toBe(3);
    expect(nostack.stderr).toMatch(/NO_STACK: no stack in .* — start one with `multyagents up`/);
    const unreachable = await cli(['run', path.join(dir, 'x.json'), '--api', `http://127.0.0.1:${apiPort}`]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/x\.json does not exist/);
    fs.writeFileSync(
      path.join(dir, 'wf.json'),
      JSON.stringify({ name: 'x', steps: [{ id: 'a', role: 'r', title: 'A' }] }),
    );
    const down = await cli(['run', path.join(dir, 'wf.json'), '--api', `http://127.0.0.1:${apiPort}`]);
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/API_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);
  });

  it('help and --help answer 0 and list the env variables; an unknown command is a usage error', async () => {
    const h = await cli(['help', 'up']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: multyagents up[\s\S]*Environment:\n\s+MULTYAGENTS_DATA_DIR/);
    const dash = await cli(['run', '--help']);
    expect(dash.code).toBe(0);
    expect(dash.stdout).toMatch(/--no-wait[\s\S]*MULTYAGENTS_API_URL/);
    expect((await cli(['help', 'nope'])).code).toBe(2);
  });
});
