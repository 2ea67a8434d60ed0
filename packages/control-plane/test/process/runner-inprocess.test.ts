import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import { startRunner } from '../../src/runner/index.js';
import {
  FakeApi,
  TOKEN,
  alive,
  assertBuilt,
  call,
  ledger,
  tempDir,
  until,
} from '../fixtures/runner/fakeApi.js';

/** Runner in-process (startRunner) with real agent processes, against a recording fake API. */
describe('runner (in-process) against a fake API', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(over: Partial<RunnerConfig> = {}) {
    const api = await new FakeApi().start();
    const dir = tempDir();
    const config = testRunnerConfig(path.join(dir, 'runner'), api.url, TOKEN, over);
    const runner = await startRunner(config);
    cleanups.push(
      () => fs.rmSync(dir, { recursive: true, force: true }),
      () => api.close(),
      () => runner.stop({ drainMs: 0, flushMs: 0 }),
    );
    return { api, runner, config, dir };
  }

  const terminalOf = (api: FakeApi, task: number) =>
    api.acked(task).find((b) => b.status !== 'running') as Record<string, any> | undefined;

  it('runs a mock agent: ledger line, running then success reports with the attempt, output and handoff', async () => {
    const { api, runner, config } = await setup();
    const mock = {
      lines: ['hello from the agent'],
      stderr_lines: ['a warning'],
      handoff: { summary: 'did the thing', next_actions: ['review'] },
      artifacts: [{ artifact_type: 'report', location: 'report.md', summary: 'r' }],
    };
    const r = await call(runner.url, 'POST', '/tasks/submit', api.submit(1, { executor_params: { mock } }));
    expect(r).toEqual({
      status: 200,
      json: { task_id: 1, attempt: 1, status: 'queued', message: 'accepted' },
    });
    const done = await until(() => terminalOf(api, 1), 'terminal report');
    expect(api.acked(1).map((b) => b.status)).toEqual(['running', 'success']);
    expect(api.acked(1)[0]).toMatchObject({ attempt: 1, runner_id: 7 });
    expect(done).toMatchObject({
      status: 'success',
      attempt: 1,
      runner_id: 7,
      exit_code: 0,
      stdout: 'hello from the agent\n',
      stderr: 'a warning\n',
      handoff: { summary: 'did the thing', next_actions: ['review'] },
      artifacts: [{ artifact_type: 'report', location: 'report.md', summary: 'r', metadata: {} }],
    });
    expect(done.started_at).toEqual(expect.any(String));
    expect(done.finished_at).toEqual(expect.any(String));
    expect(ledger(config.ledgerFile)).toEqual([
      expect.objectContaining({ task_id: 1, attempt: 1, pid: expect.any(Number) }),
    ]);
    // Output is forwarded in chunks and kept in the attempt's log file.
    await until(
      () => api.logs.some((l) => String(l.body.data).includes('hello from the agent')),
      'log chunk',
    );
    expect(api.logs[0].body).toMatchObject({ attempt: 1, seq: 0 });
    const logText = fs.readFileSync(path.join(config.logsDir, 'task-1-attempt-1.log'), 'utf8');
    expect(logText).toContain('hello from the agent');
    await until(async () => (await call(runner.url, 'GET', '/tasks/1')).json.reported === true, 'reported');
    // Registration carried what the API needs to schedule onto us.
    expect(api.registers[0]).toMatchObject({
      name: 'test-runner',
      url: runner.url,
      capacity: 4,
      executor: 'mock',
    });
  });

  it('is idempotent: the same attempt submitted again is answered, not run again', async () => {
    const { api, runner, config } = await setup();
    const body = api.submit(1, { executor_params: { mock: { duration_ms: 300 } } });
    const [a, b] = await Promise.all([
      call(runner.url, 'POST', '/tasks/submit', body),
      call(runner.url, 'POST', '/tasks/submit', body),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await until(() => terminalOf(api, 1), 'terminal report');
    const again = await call(runner.url, 'POST', '/tasks/submit', body);
    expect(again.json).toMatchObject({ task_id: 1, attempt: 1, status: 'success' });
    expect(ledger(config.ledgerFile)).toHaveLength(1);
    expect(api.acked(1).map((s) => s.status)).toEqual(['running', 'success']);
  });

  it('fences a stale attempt and lets a newer attempt supersede a running one', async () => {
    const { api, runner, config } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { attempt: 2, executor_params: { mock: { hang: true } } }),
    );
    await until(() => ledger(config.ledgerFile).length === 1, 'attempt 2 started');
    const stale = await call(runner.url, 'POST', '/tasks/submit', api.submit(1, { attempt: 1 }));
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('STALE_ATTEMPT');
    const newer = await call(runner.url, 'POST', '/tasks/submit', api.submit(1, { attempt: 3 }));
    expect(newer.status).toBe(200);
    await until(
      () => api.acked(1).some((b) => b.attempt === 3 && b.status === 'success'),
      'attempt 3 success',
    );
    expect(api.acked(1).find((b) => b.attempt === 2 && b.status !== 'running')).toMatchObject({
      status: 'canceled',
      failure_step: 'cancel',
      message: expect.stringContaining('superseded'),
    });
    expect(ledger(config.ledgerFile).map((l) => l.attempt)).toEqual([2, 3]);
    expect((await call(runner.url, 'GET', '/tasks/1')).json).toMatchObject({ attempt: 3, status: 'success' });
  });

  it('answers 429 when full and 401 without the token; /health is open', async () => {
    const { api, runner } = await setup({ capacity: 1 });
    const first = await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { hang: true } } }),
    );
    expect(first.status).toBe(200);
    const full = await call(runner.url, 'POST', '/tasks/submit', api.submit(2));
    expect(full.status).toBe(429);
    expect(full.json.code).toBe('RUNNER_AT_CAPACITY');
    for (const token of [null, 'wrong-token']) {
      const r = await call(runner.url, 'POST', '/tasks/submit', api.submit(3), token);
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ code: 'RUNNER_TOKEN_INVALID', detail: expect.any(String) });
      expect((await call(runner.url, 'GET', '/tasks', undefined, token)).status).toBe(401);
    }
    const health = await call(runner.url, 'GET', '/health', undefined, null);
    expect(health.json).toMatchObject({
      status: 'ok',
      capacity: 1,
      running: 1,
      executor: 'mock',
      draining: false,
    });
    const invalid = await call(runner.url, 'POST', '/tasks/submit', { task_id: 'x' });
    expect(invalid.status).toBe(422);
    expect((await call(runner.url, 'GET', '/tasks/99')).json.code).toBe('ATTEMPT_NOT_FOUND');
    expect((await call(runner.url, 'POST', '/tasks/99/cancel', {})).status).toBe(404);
  });

  it('cancel kills the whole process tree, grandchild included, and reports canceled', async () => {
    const { api, runner, config } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { hang: true, spawn_child: true, ignore_sigterm: true } } }),
    );
    const line = await until(() => ledger(config.ledgerFile)[0], 'ledger line');
    expect(alive(line.pid) && alive(line.child_pid)).toBe(true);
    const r = await call(runner.url, 'POST', '/tasks/1/cancel', { attempt: 1 });
    expect(r.json).toMatchObject({ task_id: 1, attempt: 1, status: 'canceled' });
    const done = await until(() => terminalOf(api, 1), 'canceled report');
    expect(done).toMatchObject({ status: 'canceled', failure_step: 'cancel', attempt: 1 });
    expect(alive(line.pid)).toBe(false);
    expect(alive(line.child_pid)).toBe(false);
  });

  it('kills the tree left behind by an agent that exits on its own', async () => {
    const { api, runner, config } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { spawn_child: true } } }),
    );
    await until(() => terminalOf(api, 1), 'terminal report');
    expect(terminalOf(api, 1)?.status).toBe('success');
    expect(alive(ledger(config.ledgerFile)[0].child_pid)).toBe(false);
  });

  it('times out: kills the agent and reports failed with step timeout', async () => {
    const { api, runner, config } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { timeout_seconds: 1, executor_params: { mock: { hang: true, spawn_child: true } } }),
    );
    const done = await until(() => terminalOf(api, 1), 'timeout report');
    expect(done).toMatchObject({ status: 'failed', failure_step: 'timeout', attempt: 1 });
    const line = ledger(config.ledgerFile)[0];
    expect(alive(line.pid)).toBe(false);
    expect(alive(line.child_pid)).toBe(false);
  });

  it('reports an agent crash and a non-zero exit as failed at step run', async () => {
    const { api, runner } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { crash: true } } }),
    );
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(2, { executor_params: { mock: { exit_code: 4 } } }),
    );
    expect(await until(() => terminalOf(api, 1), 'crash report')).toMatchObject({
      status: 'failed',
      failure_step: 'run',
      exit_code: null,
      message: expect.stringContaining('SIGKILL'),
    });
    expect(await until(() => terminalOf(api, 2), 'exit report')).toMatchObject({
      status: 'failed',
      failure_step: 'run',
      exit_code: 4,
    });
  });

  it('redelivers through the outbox when the API answers 503 first', async () => {
    const { api, runner } = await setup();
    api.statusScript = [503, 503, 503];
    await call(runner.url, 'POST', '/tasks/submit', api.submit(1));
    const done = await until(() => terminalOf(api, 1), 'delivered terminal report');
    expect(done.status).toBe('success');
    expect(api.statuses.filter((s) => s.answered === 503)).toHaveLength(3);
    await until(async () => (await call(runner.url, 'GET', '/tasks/1')).json.reported === true, 'reported');
    const held = await call(runner.url, 'GET', '/tasks');
    expect(held.json.attempts).toEqual([
      expect.objectContaining({ task_id: 1, status: 'success', reported: true }),
    ]);
  });

  it('applies cancels handed out in heartbeat answers, and registers again after a 404', async () => {
    const { api, runner } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { hang: true } } }),
    );
    await until(() => api.acked(1).length >= 1, 'running');
    await until(
      () => api.heartbeats.some((h) => (h.body.attempts as any[]).some((a) => a.status === 'running')),
      'heartbeat listing the running attempt',
    );
    api.pendingCancels = [{ task_id: 1, attempt: 1 }];
    expect(await until(() => terminalOf(api, 1), 'canceled report')).toMatchObject({ status: 'canceled' });
    api.forgetRunner = true;
    await until(() => api.registers.length >= 2, 'second registration');
    expect(api.registers[1].attempts).toEqual(expect.any(Array));
  });

  it('drains on stop: refuses new work with 503, interrupts what outlives the grace (failed, runner-restarted)', async () => {
    const { api, runner } = await setup();
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { executor_params: { mock: { hang: true } } }),
    );
    await until(() => api.acked(1).length >= 1, 'running');
    const stopping = runner.stop({ drainMs: 300, flushMs: 2000 });
    const refused = await call(runner.url, 'POST', '/tasks/submit', api.submit(2));
    expect(refused.status).toBe(503);
    expect(refused.json.code).toBe('RUNNER_DRAINING');
    await stopping;
    expect(terminalOf(api, 1)).toMatchObject({
      status: 'failed',
      failure_step: 'runner-restarted',
      message: expect.stringContaining('shut down'),
    });
  });

  it('refuses unsupported execution modes and missing workspaces with a failed spawn report', async () => {
    const { api, runner } = await setup();
    await call(runner.url, 'POST', '/tasks/submit', api.submit(1, { execution_mode: 'docker-sandbox' }));
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(2, { execution_mode: 'shared-workspace', workspace: { root_path: '/nonexistent/root' } }),
    );
    expect(await until(() => terminalOf(api, 1), 'report 1')).toMatchObject({
      status: 'failed',
      failure_step: 'spawn',
      message: expect.stringContaining('not supported'),
    });
    expect(await until(() => terminalOf(api, 2), 'report 2')).toMatchObject({
      status: 'failed',
      failure_step: 'spawn',
      message: expect.stringContaining('/nonexistent/root'),
    });
  });

  it('runs a shared-workspace attempt in the project root', async () => {
    const { api, runner, dir } = await setup({
      executor: 'command',
      commandArgv: [process.execPath, '-e', 'console.log(process.cwd())'],
    });
    const root = path.join(dir, 'project');
    fs.mkdirSync(root);
    await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { execution_mode: 'shared-workspace', workspace: { root_path: root } }),
    );
    expect(await until(() => terminalOf(api, 1), 'report')).toMatchObject({
      status: 'success',
      stdout: `${root}\n`,
    });
  });

  it('simulates the agent in-process (inprocess: true): no process, one ledger line, same reports', async () => {
    const { api, runner, config } = await setup();
    const mock = { inprocess: true, duration_ms: 20, lines: ['simulated'], handoff: { summary: 'sim' } };
    await call(runner.url, 'POST', '/tasks/submit', api.submit(1, { executor_params: { mock } }));
    expect(await until(() => terminalOf(api, 1), 'terminal report')).toMatchObject({
      status: 'success',
      started_at: expect.any(String),
      stdout: 'simulated\n',
      handoff: { summary: 'sim' },
    });
    // `running` goes first unless the attempt ended before it left (then the terminal one replaces it).
    expect([['running', 'success'], ['success']]).toContainEqual(api.acked(1).map((b) => b.status));
    expect(ledger(config.ledgerFile)).toEqual([
      expect.objectContaining({ task_id: 1, pid: null, inprocess: true }),
    ]);
  });

  it('submit-batch: one request, one answer per submit in order, each run once', async () => {
    const { api, runner, config } = await setup();
    const mock = { executor_params: { mock: { inprocess: true, duration_ms: 0 } } };
    const r = await call(runner.url, 'POST', '/tasks/submit-batch', {
      submits: [
        api.submit(1, mock),
        { ...api.submit(2, mock), status_callback_url: '/relative' },
        api.submit(3, mock),
        api.submit(1, mock),
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json.results).toEqual([
      { status_code: 200, task_id: 1, attempt: 1, status: 'queued', message: 'accepted' },
      expect.objectContaining({ status_code: 422, code: 'VALIDATION_FAILED', field: 'status_callback_url' }),
      { status_code: 200, task_id: 3, attempt: 1, status: 'queued', message: 'accepted' },
      expect.objectContaining({
        status_code: 200,
        task_id: 1,
        status: 'queued',
        message: expect.stringContaining('idempotent'),
      }),
    ]);
    await until(() => terminalOf(api, 1) && terminalOf(api, 3), 'terminal reports');
    expect(
      ledger(config.ledgerFile)
        .map((l) => l.task_id)
        .sort(),
    ).toEqual([1, 3]);
    const empty = await call(runner.url, 'POST', '/tasks/submit-batch', { submits: [] });
    expect(empty.status).toBe(422);
    expect(empty.json.field).toBe('submits');
  });

  it('refuses callback URLs that are not http(s) URLs', async () => {
    const { api, runner } = await setup();
    const r = await call(
      runner.url,
      'POST',
      '/tasks/submit',
      api.submit(1, { status_callback_url: '/relative' }),
    );
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'VALIDATION_FAILED', field: 'status_callback_url' });
  });

  it('refuses a second runner on the same data dir', async () => {
    const { config } = await setup();
    await expect(startRunner({ ...config, port: 0 })).rejects.toThrow(/held by another runner|in use/);
  });
});
