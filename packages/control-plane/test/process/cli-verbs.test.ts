import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import {
  assertBuilt,
  cli,
  killLeftovers,
  processesMentioning,
  ROOT,
  tempDir,
  type CliResult,
} from './cli-harness.js';

/**
 * The operator's verbs against a real stack (`up`: API + one mock runner, with an operator token), each
 * run as a real `multyagents` child process: output, JSON, exit codes, one-line errors.
 */
describe('operator CLI verbs', () => {
  const TOKEN = 'cli-verbs-operator-token-0123456789';
  let dir: string;
  let apiUrl: string;
  const env = { MULTYAGENTS_OPERATOR_TOKEN: TOKEN };
  const ma = (args: string[], timeoutMs?: number) => cli([...args, '--data-dir', dir], { env, timeoutMs });

  /** GET on the API with the token (waits below read state directly, not through the verbs under test). */
  async function get<T>(p: string): Promise<T> {
    const res = await request(`${apiUrl}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.body.json()) as T;
  }

  /** Bounded wait for a condition read from the API. */
  async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (await fn()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  function workflow(name: string, lines: string[]): string {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, [`name: ${name}`, 'roles: [{ name: worker }]', 'steps:', ...lines, ''].join('\n'));
    return file;
  }

  async function start(file: string): Promise<{ id: number; task_ids: number[] }> {
    const r = await ma(['run', file, '--no-wait', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { run: { id: number; task_ids: number[] } }).run;
  }

  /** The error contract: exactly one line on stderr, `multyagents <cmd>: <CODE>: …`, and the exit code. */
  function expectError(r: CliResult, cmd: string, code: string, exit: number): void {
    expect(r.code, r.stdout + r.stderr).toBe(exit);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^multyagents ${cmd}: ${code}: `));
  }

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ma-cli-verbs-');
    const apiPort = await freePort();
    const runnerPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const up = await ma(['up', '--api-port', String(apiPort), '--runner-port', String(runnerPort)]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
  });

  afterAll(async () => {
    await cli(['down', '--kill', '--data-dir', dir]);
    killLeftovers(dir);
    expect(processesMentioning(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/control-plane/package.json'), 'utf8'));
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('watch follows a run that succeeds to its end (exit 0), printing its transitions; runs list/show', async () => {
    const run = await start(path.join(ROOT, 'examples/two-step.json'));
    const w = await ma(['watch', String(run.id)]);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const out = w.stdout;
    expect(out).toContain(`watching run ${run.id}`);
    expect(out).toMatch(new RegExp(`run ${run.id}  created → running`));
    expect(out).toMatch(/task \d+ plan  queued → running  attempt 1, on runner-1/);
    expect(out).toMatch(/task \d+ build  running → success  attempt 1, on runner-1/);
    expect(out).toMatch(new RegExp(`run ${run.id}  running → success\\n`));
    // The transitions come in the order they happened: plan ends before build starts.
    expect(out.indexOf('plan  running → success')).toBeLessThan(out.indexOf('build  created → dispatched'));
    expect(out).toMatch(new RegExp(`run ${run.id} success in .* 2/2 tasks succeeded`));

    const j = await ma(['watch', String(run.id), '--json']);
    expect(j.code).toBe(0);
    const lines = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ run_id: run.id, ok: true, status: 'success' });
    expect(lines.filter((l) => l.kind === 'task' && l.to === 'success')).toHaveLength(2);

    const list = await ma(['runs', 'list', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: number }>).map((r) => r.id)).toContain(run.id);
    const text = await ma(['runs', 'list', '--status', 'success']);
    expect(text.stdout).toMatch(new RegExp(`^${run.id} +success +2 `, 'm'));

    const show = await ma(['runs', 'show', String(run.id)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run ${run.id}  success`);
    expect(show.stdout).toMatch(/✔ plan +success +attempt 1 +runner-1 +\d/);
    const shown = JSON.parse((await ma(['runs', 'show', String(run.id), '--json'])).stdout) as {
      run: { status: string };
      tasks: Array<{ step_id: string; status: string; attempt: number }>;
    };
    expect(shown.run.status).toBe('success');
    expect(shown.tasks.map((t) => [t.step_id, t.status, t.attempt])).toEqual([
      ['plan', 'success', 1],
      ['build', 'success', 1],
    ]);

    const task = await ma(['tasks', 'show', String(run.task_ids[0])]);
    expect(task.code).toBe(0);
    expect(task.stdout).toMatch(/task \d+ +success +/);
    expect(task.stdout).toContain('runner runner-1');
    const logs = await ma(['tasks', 'logs', String(run.task_ids[0])]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('1. create main.ts');
    expectError(
      await ma(['tasks', 'cancel', String(run.task_ids[0])]),
      'tasks cancel',
      'TASK_NOT_CANCELABLE',
      4,
    );
  });

  it('a failing run: watch exits 1, runs show gives the triage, rerun --failed runs the failed branch again', async () => {
    const file = workflow('failing', [
      '  - { id: plan, role: worker, title: Plan, executor_params: { mock: { duration_ms: 20 } } }',
      '  - id: build',
      '    role: worker',
      '    title: Build',
      '    depends_on: [plan]',
      '    executor_params: { mock: { duration_ms: 20, exit_code: 3, lines: ["error: boom"] } }',
      '  - { id: ship, role: worker, title: Ship, depends_on: [build] }',
    ]);
    const run = await start(file);
    const w = await ma(['watch', String(run.id)]);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(
      /task \d+ build  running → failed  attempt 1, on runner-1, category agent-error/,
    );
    expect(w.stdout).toMatch(new RegExp(`run ${run.id}  running → failed`));
    expect(w.stdout).toContain('| error: boom');

    const show = await ma(['runs', 'show', String(run.id)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/build \(task \d+\) failed:\n {4}category: agent-error/);
    expect(show.stdout).toMatch(/ship \(task \d+\) canceled:/);

    expectError(await ma(['runs', 'rerun', String(run.id)]), 'runs rerun', 'USAGE', 2);
    const re = await ma(['runs', 'rerun', String(run.id), '--failed', '--reason', 'once more']);
    expect(re.stderr).toBe('');
    expect(re.code).toBe(0);
    expect(re.stdout).toContain(`run ${run.id}: rerunning tasks ${run.task_ids[1]}`);
    // The same mock fails again: watch waits past the first failure for the end of the re-run.
    const again = await ma(['watch', String(run.id)]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(new RegExp(`run ${run.id}  failed → running  \\(once more\\)`));
    expect(again.stdout).toMatch(/build  running → failed  attempt 2/);
    expect(again.stdout).toMatch(/failed after attempt 2/);
  });

  it('approvals: list the pending gate, approve it; pause, resume and abort the run; tasks logs -f ends with it', async () => {
    const file = workflow('gated', [
      '  - { id: plan, role: worker, title: Plan, requires_approval: true, executor_params: { mock: { duration_ms: 20 } } }',
      '  - id: build',
      '    role: worker',
      '    title: Build',
      '    depends_on: [plan]',
      '    executor_params: { mock: { lines: ["building now"], hang: true } }',
    ]);
    const run = await start(file);
    const list = await ma(['approvals', 'list', '--json']);
    expect(list.code).toBe(0);
    const pending = (
      JSON.parse(list.stdout) as Array<{ id: number; run_id: number; step_id: string }>
    ).filter((a) => a.run_id === run.id);
    expect(pending).toMatchObject([{ step_id: 'plan', status: 'pending' }]);
    const text = await ma(['approvals', 'list']);
    expect(text.stdout).toMatch(
      new RegExp(`^${pending[0]!.id} +pending +${run.id} +${run.task_ids[0]} +plan `, 'm'),
    );

    const ok = await ma([
      'approvals',
      'approve',
      String(pending[0]!.id),
      '--comment',
      'go',
      '--actor',
      'ann',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`approval ${pending[0]!.id} (task ${run.task_ids[0]}) approved by ann: go\n`);
    const build = run.task_ids[1]!;
    // Running, and its first output stored: what `tasks logs -f` prints does not depend on timing.
    await until('build running with output', async () => {
      const l = await get<{ status: string; chunks: Array<{ data: string }> }>(`/tasks/${build}/logs`);
      return l.status === 'running' && l.chunks.some((c) => c.data.includes('building now'));
    });

    const follow = ma(['tasks', 'logs', String(build), '-f']);
    expect((await ma(['runs', 'pause', String(run.id)])).stdout).toBe(`run ${run.id} paused\n`);
    expect((await ma(['runs', 'resume', String(run.id)])).stdout).toBe(`run ${run.id} running\n`);
    const abort = await ma(['runs', 'abort', String(run.id), '--reason', 'stop it']);
    expect(abort.code).toBe(0);
    expect(abort.stdout).toBe(`run ${run.id} aborted (stop it)\n`);
    const logs = await follow;
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('building now');
    expect(logs.stdout).toContain(`--- task ${build} canceled (attempt 1) ---`);

    const w = await ma(['watch', String(run.id)]);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/approval approved  \(approval \d+ by ann go\)/);
    expect(w.stdout).toMatch(new RegExp(`run ${run.id}  running → paused`));
    expect(w.stdout).toMatch(new RegExp(`run ${run.id}  running → aborted  \\(stop it\\)`));
    const all = JSON.parse((await ma(['approvals', 'list', '--status', 'all', '--json'])).stdout) as Array<{
      id: number;
      decided_by: string;
    }>;
    expect(all.find((a) => a.id === pending[0]!.id)?.decided_by).toBe('ann');
  });

  it('approvals reject cancels the gated task (watch exits 1); tasks cancel stops a running task', async () => {
    const gated = await start(
      workflow('gated-reject', ['  - { id: plan, role: worker, title: Plan, requires_approval: true }']),
    );
    const gate = (await get<Array<{ id: number; run_id: number }>>('/approvals?status=pending')).find(
      (a) => a.run_id === gated.id,
    )!;
    const no = await ma(['approvals', 'reject', String(gate.id), '--comment', 'not now']);
    expect(no.code).toBe(0);
    expect(no.stdout).toMatch(/ rejected by .*: not now\n$/);
    expect((await ma(['watch', String(gated.id)])).code).toBe(1);

    // `run` follows the stream too: --timeout ends the wait (exit 5), the run keeps going.
    const timed = await ma([
      'run',
      workflow('hang', [
        '  - { id: wait, role: worker, title: Wait, executor_params: { mock: { hang: true } } }',
      ]),
      '--timeout',
      '1',
    ]);
    expect(timed.stderr).toBe('');
    expect(timed.code).toBe(5);
    const hangId = Number(/run (\d+) started/.exec(timed.stdout)![1]);
    expect(timed.stdout).toMatch(
      new RegExp(`gave up waiting after 1s: run ${hangId} is still (created|running) and keeps going`),
    );
    const t = (await get<{ task_ids: number[] }>(`/workflow-runs/${hangId}`)).task_ids[0]!;
    await until(
      'task running',
      async () => (await get<{ status: string }>(`/tasks/${t}`)).status === 'running',
    );
    const runners = JSON.parse((await ma(['runners', 'list', '--json'])).stdout) as Array<{
      name: string;
      liveness: string;
      active_attempts: number;
    }>;
    expect(runners).toMatchObject([{ name: 'runner-1', liveness: 'online', active_attempts: 1 }]);
    expect((await ma(['runners', 'list'])).stdout).toMatch(/runner-1 +online +1\/4 +mock /);
    const c = await ma(['tasks', 'cancel', String(t), '--reason', 'no longer needed']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe(`task ${t} canceled\n`);
    const shown = await ma(['tasks', 'show', String(t), '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: t, status: 'canceled' });
  });

  it('errors: one line with the code; unknown ids exit 4, bad input 2, no token 4, no API 4', async () => {
    expectError(await ma(['runs', 'show', '999999']), 'runs show', 'WORKFLOW_RUN_NOT_FOUND', 4);
    expectError(await ma(['watch', '999999']), 'watch', 'WORKFLOW_RUN_NOT_FOUND', 4);
    expectError(await ma(['tasks', 'show', '999999']), 'tasks show', 'TASK_NOT_FOUND', 4);
    expectError(await ma(['approvals', 'approve', '999999']), 'approvals approve', 'APPROVAL_NOT_FOUND', 4);
    expectError(await ma(['runs', 'abort', 'abc']), 'runs abort', 'USAGE', 2);
    expectError(await ma(['runs', 'list', '--status', 'nope']), 'runs list', 'USAGE', 2);
    expectError(await ma(['approvals', 'list', '--status', 'maybe']), 'approvals list', 'USAGE', 2);
    const noToken = await cli(['runs', 'list', '--data-dir', dir]);
    expectError(noToken, 'runs list', 'OPERATOR_TOKEN_INVALID', 4);
    const closed = await freePort();
    expectError(
      await cli(['runners', 'list', '--api', `http://127.0.0.1:${closed}`], { env }),
      'runners list',
      'API_UNREACHABLE',
      4,
    );
  });

  it('logs pretty-prints the JSON log lines; --raw keeps them', async () => {
    const pretty = await ma(['logs', 'api', '-n', '100000']);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  api: api listening  url=/m);
    expect(pretty.stdout.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    const raw = await ma(['logs', 'api', '-n', '100000', '--raw']);
    const json = raw.stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThan(0);
    for (const l of json) expect(JSON.parse(l)).toHaveProperty('level');
  });

  it('run rides out an API restart: the stream resumes with Last-Event-ID and the run is seen to its end', async () => {
    const file = workflow('slow', [
      '  - { id: slow, role: worker, title: Slow, executor_params: { mock: { duration_ms: 2000 } } }',
    ]);
    const running = ma(['run', file]);
    await until('a slow run in progress', async () => {
      const runs =
        await get<Array<{ id: number; status: string; workflow_template_id: number }>>(
          '/workflow-runs?limit=1',
        );
      if (!runs[0] || runs[0].status !== 'running') return false;
      const tasks = await get<Array<{ title: string; status: string }>>(`/tasks?run_id=${runs[0].id}`);
      return tasks.some((t) => t.title === 'Slow' && t.status === 'running');
    });
    const restart = await ma(['restart', 'api', '--kill']);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    const r = await running;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run \d+ success in .* 1\/1 tasks succeeded/);
  });
});
