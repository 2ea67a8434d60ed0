import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRunner } from '../helpers/fakeRunner.js';
import { freePort, http, readToken, startApiProc, startCli, waitFor } from '../helpers/procs.js';

/** What the API answers about every run, task and event: what it has acknowledged. */
async function snapshot(base: string) {
  return {
    runs: (await http('GET', `${base}/workflow-runs`)).body.map((r: { id: number; status: string }) => [
      r.id,
      r.status,
    ]),
    tasks: (await http('GET', `${base}/tasks?limit=100`)).body.map(
      (t: { id: number; status: string; attempt: number }) => [t.id, t.status, t.attempt],
    ),
    events: (await http('GET', `${base}/events?limit=100000`)).body.length as number,
  };
}

const ENV = {
  MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: '3000',
  MULTYAGENTS_LOST_GRACE_MS: '3000',
  MULTYAGENTS_SCHEDULER_INTERVAL_MS: '50',
};

describe('API durability with real processes', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    cleanup.length = 0;
  });

  /** An API on a fresh data dir with a fake runner registered; `api` is replaced on each restart. */
  async function apiWithRunner(prefix: string, env: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const s = {
      dir,
      port,
      base,
      api: await startApiProc(dir, port, env),
      runner: new FakeRunner(base, readToken(dir)),
    };
    cleanup.push(() => s.api.kill('SIGKILL'));
    await s.runner.start();
    cleanup.push(() => s.runner.stop());
    return s;
  }

  /** A role and a template of `steps` steps (a, then b after a). */
  async function template(base: string, steps: 1 | 2): Promise<number> {
    const role = await http('POST', `${base}/roles`, { name: 'r' });
    const a = { step_id: 'a', role_id: role.body.id, title: 'A' };
    const b = { step_id: 'b', role_id: role.body.id, title: 'B', depends_on: ['a'] };
    const tpl = await http('POST', `${base}/workflow-templates`, {
      name: 't',
      steps: steps === 1 ? [a] : [a, b],
    });
    return tpl.body.id as number;
  }

  it('kill -9 mid-run loses no acknowledged run or transition, and the runs complete after restart', async () => {
    const s = await apiWithRunner('ma-dur-', ENV);
    const { dir, port, base, runner } = s;

    const templateId = await template(base, 2);
    const runs = [];
    for (let i = 0; i < 3; i++)
      runs.push((await http('POST', `${base}/workflow-runs`, { workflow_template_id: templateId })).body);
    const firstTasks = runs.map((r) => r.task_ids[0] as number);
    await waitFor('step a of every run submitted', async () =>
      firstTasks.every((id) => runner.submits.some((s) => s.task_id === id)),
    );
    for (const id of firstTasks) expect((await runner.report(id, { status: 'running' })).status).toBe(200);
    expect((await runner.report(firstTasks[0]!, { status: 'success', exit_code: 0 })).status).toBe(200);

    // Everything acknowledged so far, as the API answered it.
    const acked = await snapshot(base);
    await s.api.kill('SIGKILL');
    expect(s.api.child.signalCode).toBe('SIGKILL');

    s.api = await startApiProc(dir, port, ENV);
    const after = await snapshot(base);
    expect(after.runs).toEqual(acked.runs);
    // Acknowledged states never go back: a task may only have moved forward (b of run 1 may have been
    // dispatched and queued after the snapshot), and terminal ones are exactly as acknowledged.
    const order = ['created', 'dispatched', 'queued', 'running'];
    for (const [id, status, attempt] of acked.tasks) {
      const now = after.tasks.find((t: [number]) => t[0] === id);
      if (order.includes(status)) {
        expect(now[2]).toBeGreaterThanOrEqual(attempt);
        if (now[2] === attempt && order.includes(now[1]))
          expect(order.indexOf(now[1])).toBeGreaterThanOrEqual(order.indexOf(status));
      } else expect(now).toEqual([id, status, attempt]);
    }
    expect(after.events).toBeGreaterThanOrEqual(acked.events);

    // Finish everything through the runner; every step must run exactly once.
    const finished = new Set<number>([firstTasks[0]!]);
    await waitFor(
      'all runs succeed',
      async () => {
        for (const s of runner.submits) {
          if (finished.has(s.task_id)) continue;
          finished.add(s.task_id);
          await runner.report(s.task_id, { status: 'success', exit_code: 0 });
        }
        const list = (await http('GET', `${base}/workflow-runs`)).body as Array<{ status: string }>;
        return list.every((r) => r.status === 'success');
      },
      30_000,
      100,
    );
    const perTask = new Map<number, Set<number>>();
    for (const s of runner.submits)
      perTask.set(s.task_id, (perTask.get(s.task_id) ?? new Set()).add(s.attempt));
    expect(perTask.size).toBe(6);
    for (const attempts of perTask.values()) expect([...attempts]).toEqual([1]);
    const refused = (await http('GET', `${base}/events?event_type=task.report_refused`)).body;
    expect(refused).toEqual([]);
  });

  it('a restarted API serves while a runner has not yet answered its reconciliation, and dispatches only after', async () => {
    const env = { ...ENV, MULTYAGENTS_RUNNER_CALL_TIMEOUT_MS: '20000' };
    const s = await apiWithRunner('ma-recon-', env);
    const { dir, port, base, runner } = s;
    const templateId = await template(base, 1);
    const first = (await http('POST', `${base}/workflow-runs`, { workflow_template_id: templateId })).body;
    await waitFor('step a submitted', async () => runner.submits.length === 1);
    expect((await runner.report(first.task_ids[0], { status: 'running' })).status).toBe(200);

    await s.api.kill('SIGKILL');
    let answer!: () => void;
    runner.listGate = new Promise<void>((r) => (answer = r));
    s.api = await startApiProc(dir, port, env);
    // Serving, while reconciliation waits for the runner's list (up to 20 s here).
    const health = (await http('GET', `${base}/health`)).body;
    expect(health).toMatchObject({ status: 'ok', reconciling: true });
    const second = await http('POST', `${base}/workflow-runs`, { workflow_template_id: templateId });
    expect(second.status).toBe(200);
    // A report during reconciliation is applied (the running step ends).
    expect((await runner.report(first.task_ids[0], { status: 'success', exit_code: 0 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.submits.map((s) => s.task_id)).toEqual([first.task_ids[0]]); // nothing dispatched yet

    answer();
    await waitFor('reconciled', async () => (await http('GET', `${base}/health`)).body.reconciling === false);
    await waitFor('the second run dispatched', async () =>
      runner.submits.some((s) => s.task_id === second.body.task_ids[0]),
    );
    const task = (await http('GET', `${base}/tasks/${first.task_ids[0]}`)).body;
    expect(task).toMatchObject({ status: 'success', attempt: 1 });
  });

  it('SIGTERM while reconciling stops the API gracefully once reconciliation gave up on the runner', async () => {
    const env = { ...ENV, MULTYAGENTS_RUNNER_CALL_TIMEOUT_MS: '1500' };
    const s = await apiWithRunner('ma-recon-term-', env);
    await http('POST', `${s.base}/workflow-runs`, { workflow_template_id: await template(s.base, 1) });
    await waitFor('step a submitted', async () => s.runner.submits.length === 1);
    await s.api.kill('SIGKILL');
    s.runner.listGate = new Promise<void>(() => undefined); // never answers
    s.api = await startApiProc(s.dir, s.port, env);
    expect((await http('GET', `${s.base}/health`)).body.reconciling).toBe(true);
    await s.api.kill('SIGTERM');
    expect((await s.api.exited).code).toBe(0);
    expect(fs.existsSync(path.join(s.dir, 'api.pid'))).toBe(false);
  });

  it('refuses a second API on the same data dir; the first keeps working', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-lock-'));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const first = await startApiProc(dir, port, ENV);
    cleanup.push(() => first.kill('SIGKILL'));
    const second = startCli(['api', '--port', String(await freePort()), '--data-dir', dir], ENV);
    const exit = await second.exited;
    expect(exit.code).toBe(2);
    expect(second.output()).toContain('DATA_DIR_LOCKED');
    expect((await http('GET', `http://127.0.0.1:${port}/health`)).body.status).toBe('ok');
    // A stale pid file alone (owner dead) does not block; the kernel lock is what counts.
    await first.kill('SIGKILL');
    fs.writeFileSync(path.join(dir, 'api.pid'), `${first.pid}\n`);
    const third = await startApiProc(dir, port, ENV);
    cleanup.push(() => third.kill('SIGKILL'));
    expect((await http('GET', `http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('graceful SIGTERM stops the API with exit code 0 and removes its pid file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-term-'));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const api = await startApiProc(dir, await freePort(), ENV);
    await api.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'api.pid'))).toBe(false);
  });
});
