import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  FakeApi,
  TOKEN,
  alive,
  assertBuilt,
  call,
  ledger,
  tempDir,
  until,
} from '../fixtures/runner/fakeApi.js';

interface RunnerProc {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The runner as a real process (`multyagents runner`), so it can be SIGKILLed and restarted. */
describe('runner process: crash, restart, drain', () => {
  const pids: number[] = [];
  const dirs: string[] = [];
  const apis: FakeApi[] = [];
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const api of apis.splice(0)) await api.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function fakeApi(port = 0): Promise<FakeApi> {
    const api = await new FakeApi().start(port);
    apis.push(api);
    return api;
  }

  function dataDir(): string {
    const d = tempDir();
    dirs.push(d);
    return path.join(d, 'runner');
  }

  async function startRunnerProc(api: FakeApi, dir: string, extra: string[] = []): Promise<RunnerProc> {
    const args = [CLI, 'runner', '--port', '0', '--api', api.url, '--data-dir', dir, '--token', TOKEN];
    args.push('--kill-grace-ms', '500', '--heartbeat-ms', '100', '--log-level', 'warn', ...extra);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    pids.push(child.pid!);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = await until(
      () => /\[runner\] listening on (\S+)/.exec(out)?.[1] ?? (child.exitCode !== null ? 'exited' : null),
      'runner listening',
    );
    if (url === 'exited') throw new Error(`runner exited: ${err}`);
    return { child, url, stdout: () => out, stderr: () => err, exited };
  }

  const terminalOf = (api: FakeApi, task: number) =>
    api.acked(task).find((b) => b.status !== 'running') as Record<string, any> | undefined;

  it('kill -9 mid-task: the reaper kills the agent tree; the restarted runner reports runner-restarted', async () => {
    const api = await fakeApi();
    const dir = dataDir();
    const r1 = await startRunnerProc(api, dir);
    const mock = { hang: true, spawn_child: true };
    await call(r1.url, 'POST', '/tasks/submit', api.submit(1, { executor_params: { mock } }));
    const line = await until(() => ledger(path.join(dir, 'effects.jsonl'))[0], 'agent started');
    pids.push(line.pid, line.child_pid);
    await until(() => api.acked(1).length === 1, 'running report');

    r1.child.kill('SIGKILL');
    await r1.exited;
    await until(() => !alive(line.pid) && !alive(line.child_pid), 'agent tree killed by the reaper');

    const r2 = await startRunnerProc(api, dir);
    expect(r2.stdout()).toContain('recovered=1');
    const done = await until(() => terminalOf(api, 1), 'runner-restarted report');
    expect(done).toMatchObject({
      status: 'failed',
      attempt: 1,
      failure_step: 'runner-restarted',
      runner_id: 7,
    });
    expect(ledger(path.join(dir, 'effects.jsonl'))).toHaveLength(1);
    expect((await call(r2.url, 'GET', '/tasks/1')).json).toMatchObject({ status: 'failed', attempt: 1 });
  });

  it('kill -9 of runner and reaper: the restart kills the leftover agent tree before reporting', async () => {
    const api = await fakeApi();
    const dir = dataDir();
    const r1 = await startRunnerProc(api, dir);
    const health = await call(r1.url, 'GET', '/health', undefined, null);
    const reaperPid = health.json.reaper_pid as number;
    pids.push(reaperPid);
    await call(
      r1.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { hang: true, spawn_child: true } } }),
    );
    const line = await until(() => ledger(path.join(dir, 'effects.jsonl'))[0], 'agent started');
    pids.push(line.pid, line.child_pid);
    process.kill(reaperPid, 'SIGKILL');
    r1.child.kill('SIGKILL');
    await r1.exited;
    await until(() => !alive(reaperPid), 'reaper gone');
    expect(alive(line.pid)).toBe(true);

    const r2 = await startRunnerProc(api, dir);
    const done = await until(() => terminalOf(api, 1), 'runner-restarted report');
    expect(done).toMatchObject({
      status: 'failed',
      failure_step: 'runner-restarted',
      message: expect.stringContaining('leftover process tree was killed'),
    });
    expect(alive(line.pid)).toBe(false);
    expect(alive(line.child_pid)).toBe(false);
    void r2;
  });

  it('a report written while the API was down survives a runner kill -9 and is delivered after both return', async () => {
    const api = await fakeApi();
    const port = Number(new URL(api.url).port);
    const dir = dataDir();
    const r1 = await startRunnerProc(api, dir);
    await call(
      r1.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { duration_ms: 300 } } }),
    );
    await until(() => api.acked(1).length === 1, 'running report');
    await api.close();
    apis.splice(apis.indexOf(api), 1);
    await until(
      async () => (await call(r1.url, 'GET', '/tasks/1')).json.status === 'success',
      'agent finished',
    );
    r1.child.kill('SIGKILL');
    await r1.exited;

    const api2 = await fakeApi(port);
    const r2 = await startRunnerProc(api2, dir);
    const done = await until(() => terminalOf(api2, 1), 'terminal report after restart');
    expect(done).toMatchObject({ status: 'success', attempt: 1, exit_code: 0 });
    expect(r2.stdout()).not.toContain('recovered=');
    expect(ledger(path.join(dir, 'effects.jsonl'))).toHaveLength(1);
  });

  it('SIGTERM drains: the running attempt is interrupted after the grace, reported, and the runner exits 0', async () => {
    const api = await fakeApi();
    const dir = dataDir();
    const r1 = await startRunnerProc(api, dir, ['--drain-ms', '200']);
    await call(
      r1.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { hang: true, spawn_child: true } } }),
    );
    const line = await until(() => ledger(path.join(dir, 'effects.jsonl'))[0], 'agent started');
    r1.child.kill('SIGTERM');
    expect(await r1.exited).toBe(0);
    expect(terminalOf(api, 1)).toMatchObject({ status: 'failed', failure_step: 'runner-restarted' });
    expect(alive(line.pid)).toBe(false);
    expect(alive(line.child_pid)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'runner.pid'))).toBe(false);
  });

  it('a missing codex binary: warned at start, and a task fails at once naming it', async () => {
    const api = await fakeApi();
    const dir = dataDir();
    const r1 = await startRunnerProc(api, dir, [
      '--executor',
      'codex',
      '--codex-bin',
      '/nonexistent/bin/codex',
    ]);
    expect(r1.stderr()).toMatch(/WARNING: executor 'codex' cannot run here: .*\/nonexistent\/bin\/codex/);
    await call(r1.url, 'POST', '/tasks/submit', api.submit(1));
    const done = await until(() => terminalOf(api, 1), 'failed report');
    expect(done).toMatchObject({
      status: 'failed',
      failure_step: 'spawn',
      message: expect.stringContaining('/nonexistent/bin/codex'),
    });
    expect(api.acked(1).map((b) => b.status)).toEqual(['failed']);
  });

  it('refuses a second runner process on the same data dir', async () => {
    const api = await fakeApi();
    const dir = dataDir();
    await startRunnerProc(api, dir);
    const child = spawn(
      process.execPath,
      [CLI, 'runner', '--port', '0', '--data-dir', dir, '--token', TOKEN],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    pids.push(child.pid!);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/DATA_DIR_LOCKED: .*in use by another runner/);
  });
});
