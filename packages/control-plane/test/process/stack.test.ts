import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  freePort,
  http,
  pidsMatching,
  startApiProc,
  startRunnerProc,
  waitFor,
  type Proc,
} from '../helpers/procs.js';

const ENV = {
  MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: '1000',
  MULTYAGENTS_LOST_GRACE_MS: '1000',
  MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50',
};

interface Stack {
  dir: string;
  base: string;
  apiPort: number;
  api: Proc;
  runner: Proc;
  runnerPort: number;
  ledger: string;
}

/** Real API + real runner (mock executor) on free loopback ports, each test its own data dir. */
describe('API + runner + mock agent (real processes)', () => {
  let s: Stack;
  const procs: Proc[] = [];
  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-stack-'));
    const apiPort = await freePort();
    const runnerPort = await freePort();
    const base = `http://127.0.0.1:${apiPort}`;
    const api = await startApiProc(dir, apiPort, ENV);
    const ledger = path.join(dir, 'effects.jsonl');
    const runner = await startRunnerProc(dir, base, runnerPort, path.join(dir, 'runner'), [
      '--ledger',
      ledger,
    ]);
    procs.push(api, runner);
    s = { dir, base, apiPort, api, runner, runnerPort, ledger };
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    for (const pid of pidsMatching(s.dir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  async function template(steps: unknown[], retry?: unknown) {
    const role = await http('POST', `${s.base}/roles`, {
      name: `r${Math.random()}`,
      execution_constraints: retry ? { retry_policy: retry } : {},
    });
    const tpl = await http('POST', `${s.base}/workflow-templates`, {
      name: 't',
      steps: (steps as Array<Record<string, unknown>>).map((x) => ({ role_id: role.body.id, ...x })),
    });
    expect(tpl.status).toBe(200);
    return tpl.body.id as number;
  }
  const run = async (tpl: number) =>
    (await http('POST', `${s.base}/workflow-runs`, { workflow_template_id: tpl })).body;
  const getRun = async (id: number) => (await http('GET', `${s.base}/workflow-runs/${id}`)).body;
  const getTask = async (id: number) => (await http('GET', `${s.base}/tasks/${id}`)).body;
  const ledger = () =>
    fs.existsSync(s.ledger)
      ? fs
          .readFileSync(s.ledger, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { task_id: number; attempt: number; pid: number })
      : [];

  it('runs a two-step workflow through real runner reports, each step once, with handoff and logs', async () => {
    const tpl = await template([
      {
        step_id: 'plan',
        title: 'Plan',
        executor_params: {
          mock: {
            duration_ms: 100,
            lines: ['planning done'],
            handoff: { summary: 'the plan', next_actions: ['build'] },
          },
        },
      },
      {
        step_id: 'build',
        title: 'Build',
        depends_on: ['plan'],
        executor_params: { mock: { duration_ms: 100 } },
      },
    ]);
    const r = await run(tpl);
    const done = await waitFor('run success', async () =>
      (await getRun(r.id)).status === 'success' ? getRun(r.id) : null,
    );
    expect(done.task_ids).toHaveLength(2);
    expect(
      ledger()
        .map((l) => [l.task_id, l.attempt])
        .sort(),
    ).toEqual([
      [r.task_ids[0], 1],
      [r.task_ids[1], 1],
    ]);
    const plan = await getTask(r.task_ids[0]);
    expect(plan.output_tail).toContain('planning done');
    const audit = (await http('GET', `${s.base}/tasks/${r.task_ids[1]}/audit`)).body;
    expect(audit.prompt).toContain('the plan');
    const logs = await waitFor('log chunks', async () => {
      const l = (await http('GET', `${s.base}/tasks/${r.task_ids[0]}/logs`)).body;
      return l.chunks.length ? l : null;
    });
    expect(logs.chunks.map((c: { data: string }) => c.data).join('')).toContain('planning done');
  });

  it('runner kill -9 mid-task: the task fails runner-lost, and the restarted runner leaves no orphaned agent', async () => {
    const tpl = await template([
      {
        step_id: 'long',
        title: 'Long',
        executor_params: { mock: { duration_ms: 60_000, spawn_child: true } },
      },
    ]);
    const r = await run(tpl);
    const taskId = r.task_ids[0] as number;
    await waitFor(
      'running',
      async () => (await getTask(taskId)).status === 'running' && ledger().length === 1,
    );
    const agentPids = ledger().map((l) => l.pid);
    expect(agentPids).toHaveLength(1);
    const killedAt = Date.now();
    await s.runner.kill('SIGKILL');
    const failed = await waitFor('task marked', async () => {
      const t = await getTask(taskId);
      return t.status === 'failed' ? t : null;
    });
    const detectionMs = Date.now() - killedAt;
    expect(failed.failure_category).toBe('runner-lost');
    expect(failed.failure_triage_hints.length).toBeGreaterThan(0);
    expect((await getRun(r.id)).status).toBe('failed');
    // Restart on the same data dir: the runner reaps what its predecessor left behind.
    const again = await startRunnerProc(s.dir, s.base, s.runnerPort, path.join(s.dir, 'runner'), [
      '--ledger',
      s.ledger,
    ]);
    procs.push(again);
    await waitFor(
      'no orphaned agent',
      async () =>
        pidsMatching('mockAgent').filter((p) => agentPids.includes(p)).length === 0 &&
        pidsMatching(path.join(s.dir, 'runner')).length <= 1,
    );
    const refused = (await http('GET', `${s.base}/events?task_id=${taskId}&event_type=task.report_refused`))
      .body;
    expect(refused.every((e: { payload: { code: string } }) => e.payload.code === 'STALE_ATTEMPT')).toBe(
      true,
    );
    process.stdout.write(
      `[stack] runner kill -9 → task failed runner-lost in ${detectionMs} ms (heartbeat timeout 1000 + grace 1000)\n`,
    );
  });

  it('with retries the lost task runs again on the restarted runner and succeeds; the old attempt is fenced', async () => {
    const tpl = await template(
      [{ step_id: 'a', title: 'A', executor_params: { mock: { duration_ms: 1_500 } } }],
      { max_retries: 2, retry_on: ['runner-transient'], backoff_initial_ms: 100, jitter: 0 },
    );
    const r = await run(tpl);
    const taskId = r.task_ids[0] as number;
    // The agent has started (its ledger line is written) before the runner dies.
    await waitFor(
      'running',
      async () => (await getTask(taskId)).status === 'running' && ledger().length === 1,
    );
    await s.runner.kill('SIGKILL');
    await waitFor('retry scheduled', async () => (await getTask(taskId)).retries_used === 1);
    const again = await startRunnerProc(s.dir, s.base, s.runnerPort, path.join(s.dir, 'runner'), [
      '--ledger',
      s.ledger,
    ]);
    procs.push(again);
    await waitFor('run success', async () => (await getRun(r.id)).status === 'success', 30_000);
    const t = await getTask(taskId);
    expect(t.attempt).toBe(2);
    expect(
      ledger()
        .filter((l) => l.task_id === taskId)
        .map((l) => l.attempt),
    ).toEqual([1, 2]);
  });

  it('API stopped while a task finishes: the report is delivered after the API is back and the run succeeds', async () => {
    const tpl = await template([
      { step_id: 'a', title: 'A', executor_params: { mock: { duration_ms: 1_500 } } },
    ]);
    const r = await run(tpl);
    const taskId = r.task_ids[0] as number;
    await waitFor('running', async () => (await getTask(taskId)).status === 'running');
    await s.api.kill('SIGTERM');
    await waitFor(
      'agent finished while API down',
      async () => pidsMatching('mockAgent').length === 0 || ledger().length === 1,
      10_000,
    );
    await new Promise((res) => setTimeout(res, 1_800));
    s.api = await startApiProc(s.dir, s.apiPort, ENV);
    procs.push(s.api);
    await waitFor('run success after restart', async () => (await getRun(r.id)).status === 'success', 20_000);
    expect(ledger()).toHaveLength(1);
    expect((await getTask(taskId)).exit_code).toBe(0);
  });

  it('cancel kills the agent process tree', async () => {
    const tpl = await template([
      { step_id: 'a', title: 'A', executor_params: { mock: { duration_ms: 60_000, spawn_child: true } } },
    ]);
    const r = await run(tpl);
    const taskId = r.task_ids[0] as number;
    await waitFor('running', async () => (await getTask(taskId)).status === 'running');
    const before = pidsMatching('mockAgent');
    expect(before.length).toBeGreaterThanOrEqual(1);
    const c = await http('POST', `${s.base}/tasks/${taskId}/cancel`, {});
    expect(c.body.status).toBe('canceled');
    await waitFor(
      'agent tree gone',
      async () => before.every((p) => !pidsMatching('mockAgent').includes(p)),
      15_000,
    );
    await waitFor('cancel delivered', async () => {
      const ev = (await http('GET', `${s.base}/events?task_id=${taskId}&event_type=task.cancel_delivered`))
        .body;
      return ev.length === 1;
    });
    expect((await getRun(r.id)).status).toBe('failed');
  });
});
