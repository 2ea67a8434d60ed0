import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import type { StackStatus } from '../../src/cli/commands/status.js';
import {
  alive,
  assertBuilt,
  cli,
  deadPid,
  killLeftovers,
  processesMentioning,
  readPidFile,
  ROOT,
  tempDir,
} from './cli-harness.js';

/**
 * The launcher against real processes: up (over a stale pid file) → idempotent up → status --json →
 * run the README example → a failing run → restart → down, which must leave no process behind.
 */
describe('launcher stack lifecycle', () => {
  let dir: string;
  let apiPort: number;
  let runnerPort: number;
  const pids: number[] = [];
  const args = () => ['--data-dir', dir];

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ma-cli-stack-');
    apiPort = await freePort();
    runnerPort = await freePort();
  });

  afterAll(async () => {
    await cli(['down', '--kill', ...args()]);
    killLeftovers(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('up cleans a stale pid file, starts API + runner, and is idempotent', async () => {
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
    const dead = await deadPid();
    fs.writeFileSync(path.join(dir, 'run', 'runner-1.pid'), `${dead}\n`);

    const upArgs = ['up', ...args(), '--api-port', String(apiPort), '--runner-port', String(runnerPort)];
    const r = await cli(upArgs);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `stale pid file ${path.join(dir, 'run', 'runner-1.pid')}: pid ${dead} is not running`,
    );
    expect(r.stdout).toContain(`http://127.0.0.1:${apiPort}`);
    expect(r.stdout).toContain(`http://127.0.0.1:${runnerPort}`);
    expect(r.stdout).toContain(path.join(dir, 'logs'));
    const apiPid = readPidFile(path.join(dir, 'run', 'api.pid'))!;
    const runnerPid = readPidFile(path.join(dir, 'run', 'runner-1.pid'))!;
    expect(runnerPid).not.toBe(dead);
    expect(alive(apiPid)).toBe(true);
    expect(alive(runnerPid)).toBe(true);
    pids.push(apiPid, runnerPid);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run', 'stack.json'), 'utf8'))).toMatchObject({
      api_port: apiPort,
      runner_port: runnerPort,
      runners: 1,
      executor: 'mock',
    });

    const again = await cli(['up', ...args(), '--runners', '2']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already running');
    expect(again.stdout).toContain('ignoring --runners 2 (running: 1)');
    expect(readPidFile(path.join(dir, 'run', 'api.pid'))).toBe(apiPid);
    expect(fs.existsSync(path.join(dir, 'run', 'runner-2.pid'))).toBe(false);
  });

  it('status --json reports pids, health, liveness and run counts', async () => {
    const r = await cli(['status', '--json', ...args()]);
    expect(r.code).toBe(0);
    const st = JSON.parse(r.stdout) as StackStatus;
    expect(st.state).toBe('running');
    expect(st.api).toMatchObject({ process: 'running', pid: pids[0], port: apiPort, healthy: true });
    expect(st.runners).toHaveLength(1);
    expect(st.runners[0]).toMatchObject({ name: 'runner-1', pid: pids[1], port: runnerPort, healthy: true });
    expect(st.runners[0].registration).toMatchObject({ name: 'runner-1', liveness: 'online' });
    expect(st.runs).toMatchObject({ total: 0 });
  });

  it('run examples/two-step.json succeeds through the real runner', async () => {
    const r = await cli(['run', path.join(ROOT, 'examples/two-step.json'), '--json', ...args()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      run: { status: string };
      tasks: Array<Record<string, unknown>>;
    };
    expect(out.ok).toBe(true);
    expect(out.run.status).toBe('success');
    expect(out.tasks.map((t) => [t.step_id, t.status, t.attempt])).toEqual([
      ['plan', 'success', 1],
      ['build', 'success', 1],
    ]);
    const st = JSON.parse((await cli(['status', '--json', ...args()])).stdout) as StackStatus;
    expect(st.runs?.by_status.success).toBe(1);
  });

  it('a failing run exits 1 and prints the triage of the failed step', async () => {
    const wf = path.join(dir, 'failing.yaml');
    fs.writeFileSync(
      wf,
      [
        'name: failing',
        'roles: [{ name: planner }]',
        'steps:',
        '  - { id: plan, role: planner, title: Plan, executor_params: { mock: { duration_ms: 50 } } }',
        '  - id: build',
        '    role: planner',
        '    title: Build',
        '    depends_on: [plan]',
        '    executor_params: { mock: { duration_ms: 50, exit_code: 3, lines: ["error: boom"] } }',
        '',
      ].join('\n'),
    );
    const r = await cli(['run', wf, ...args()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/run \d+ failed in .* 1\/2 tasks succeeded/);
    expect(r.stdout).toMatch(/✖ build \(task \d+\) failed after attempt 1 on runner-1/);
    expect(r.stdout).toContain('category: agent-error');
    expect(r.stdout).toContain('| error: boom');
  });

  it('restart api --kill and restart runner bring the components back healthy', async () => {
    const k = await cli(['restart', 'api', '--kill', ...args()]);
    expect(k.code).toBe(0);
    expect(k.stdout).toContain(`stopped api (pid ${pids[0]}) with SIGKILL`);
    expect(alive(pids[0])).toBe(false);
    const r = await cli(['restart', 'runner', ...args()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stopped runner-1 (pid ${pids[1]}) with SIGTERM`);
    const st = JSON.parse((await cli(['status', '--json', ...args()])).stdout) as StackStatus;
    expect(st.state).toBe('running');
    expect(st.api?.pid).not.toBe(pids[0]);
    expect(st.runners[0].pid).not.toBe(pids[1]);
    expect(st.runners[0].registration?.liveness).toBe('online');
    pids.push(st.api!.pid!, st.runners[0].pid!);
  });

  it('after a crash (kill -9 of the API), up reports the stale pid file and starts only the API', async () => {
    const apiPid = readPidFile(path.join(dir, 'run', 'api.pid'))!;
    const runnerPid = readPidFile(path.join(dir, 'run', 'runner-1.pid'))!;
    process.kill(apiPid, 'SIGKILL');
    const r = await cli(['up', ...args()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `stale pid file ${path.join(dir, 'run', 'api.pid')}: pid ${apiPid} is not running`,
    );
    expect(r.stdout).toMatch(/API healthy at/);
    expect(r.stdout).not.toMatch(/starting runner-1/);
    expect(r.stdout).toMatch(new RegExp(`runner-1 .* pid ${runnerPid} +already running`));
    const newApi = readPidFile(path.join(dir, 'run', 'api.pid'))!;
    expect(newApi).not.toBe(apiPid);
    expect(alive(newApi)).toBe(true);
    pids.push(newApi);
  });

  it('logs prints the tails of the log files', async () => {
    const r = await cli(['logs', 'runner', '-n', '5', ...args()]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(5);
    expect(r.stdout).toMatch(/runner/);
  });

  it('down stops everything, removes the pid files and leaves no process behind', async () => {
    const r = await cli(['down', ...args()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stopped runner-1 \(pid \d+\) with SIGTERM/);
    expect(r.stdout).toMatch(/stopped api \(pid \d+\) with SIGTERM/);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(fs.readdirSync(path.join(dir, 'run')).filter((f) => f.endsWith('.pid'))).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    const st = await cli(['status', '--json', ...args()]);
    expect(st.code).toBe(1);
    expect((JSON.parse(st.stdout) as StackStatus).state).toBe('stopped');
  });
});
