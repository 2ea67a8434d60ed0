import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimReady, submitClaimed } from '../../src/scheduler/dispatchPass.js';
import { sweep } from '../../src/scheduler/sweeper.js';
import { httpRunnerClient } from '../../src/scheduler/runnerClient.js';
import { call, makeTestApi, RUNNER_TOKEN, type TestApi } from '../helpers/context.js';
import { H, seedTwoStep, startRun } from '../helpers/fixtures.js';

/**
 * A runner that is shutting down answers submits `503 RUNNER_DRAINING` (one at a time and in a batch).
 * That is a busy runner, not a failed submit: the attempt goes back to ready without spending a retry
 * and is placed on the next runner that can take it. Before the fix it became `submit-failed` and
 * failed its run (`multyagents restart runner` under load failed 38 of 150 runs).
 */
describe('a draining runner is a busy runner', () => {
  let t: TestApi;
  const servers: http.Server[] = [];

  /** A runner's HTTP face: draining answers 503 RUNNER_DRAINING, otherwise it accepts every submit. */
  async function fakeRunner(draining: boolean) {
    const got: number[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const answer = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        const one = (b: { task_id: number }) => {
          got.push(b.task_id);
          return draining
            ? {
                status_code: 503,
                code: 'RUNNER_DRAINING',
                detail: 'The runner is shutting down and accepts no new work',
              }
            : { status_code: 200, status: 'queued', message: 'accepted' };
        };
        if (req.url === '/tasks/submit-batch') {
          const submits = (JSON.parse(body) as { submits: Array<{ task_id: number }> }).submits;
          return answer(200, { results: submits.map(one) });
        }
        if (req.url === '/tasks/submit') {
          const r = one(JSON.parse(body) as { task_id: number });
          return answer(r.status_code, r);
        }
        answer(404, { detail: 'no route', code: 'ROUTE_NOT_FOUND' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
  }

  beforeEach(async () => {
    t = await makeTestApi({ dispatchMode: 'auto' });
    t.ctx.runnerClient = httpRunnerClient(RUNNER_TOKEN, 2_000);
  });
  afterEach(async () => {
    await t.ctx.runnerClient.close();
    await t.close();
    for (const s of servers.splice(0)) s.close();
  });

  async function register(name: string, url: string, capacity = 4) {
    const r = await call(t.app, 'POST', '/runners/register', { name, url, capacity }, H);
    expect(r.status).toBe(200);
    return r.body.id as number;
  }

  async function claimAndSubmit() {
    const pass = await claimReady(t.ctx);
    await submitClaimed(t.ctx, pass.claimed, new Set());
    return pass.claimed;
  }

  for (const batch of [false, true]) {
    it(`requeues without spending a retry and places the work on the next runner (${batch ? 'batch' : 'single'} submit)`, async () => {
      const { templateId } = await seedTwoStep(t);
      const draining = await fakeRunner(true);
      await register('draining', draining.url);
      const runs = [];
      for (let i = 0; i < (batch ? 3 : 1); i++) runs.push(await startRun(t, templateId));
      const firsts = runs.map((r) => r.task_ids[0]!);
      expect((await claimAndSubmit()).map((c) => c.taskId)).toEqual(firsts);
      expect(draining.got).toEqual(firsts);
      for (const id of firsts) {
        const task = (await call(t.app, 'GET', `/tasks/${id}`)).body;
        expect(task).toMatchObject({ status: 'created', retries_used: 0, attempt: 1 });
      }
      for (const r of runs)
        expect((await call(t.app, 'GET', `/workflow-runs/${r.id}`)).body.status).not.toBe('failed');
      // The draining runner takes no new work; a healthy one gets it once the requeue delay ends.
      const healthy = await fakeRunner(false);
      await register('healthy', healthy.url);
      t.clock.advance(1_000);
      expect((await claimAndSubmit()).map((c) => c.taskId)).toEqual(firsts);
      expect(healthy.got).toEqual(firsts);
      expect(draining.got).toEqual(firsts);
      for (const id of firsts) {
        const task = (await call(t.app, 'GET', `/tasks/${id}`)).body;
        expect(task).toMatchObject({ status: 'queued', attempt: 2, retries_used: 0 });
      }
    });
  }

  it('a runner that announces its drain gets no new work until it registers again', async () => {
    const { templateId } = await seedTwoStep(t);
    const runner = await fakeRunner(false);
    const id = await register('r1', runner.url);
    const hb = await call(t.app, 'POST', `/runners/${id}/heartbeat`, { attempts: [], draining: true }, H);
    expect(hb.status).toBe(200);
    expect((await call(t.app, 'GET', `/runners/${id}`)).body).toMatchObject({
      liveness: 'online',
      draining: true,
    });
    const run = await startRun(t, templateId);
    expect(await claimAndSubmit()).toEqual([]);
    expect(runner.got).toEqual([]);
    // the restarted runner registers under the same name: it takes work again
    await register('r1', runner.url);
    expect((await call(t.app, 'GET', `/runners/${id}`)).body.draining).toBe(false);
    expect((await claimAndSubmit()).map((c) => c.taskId)).toEqual([run.task_ids[0]]);
    const events = (await call(t.app, 'GET', '/events?event_type=runner.draining')).body as unknown[];
    expect(events).toHaveLength(1);
  });

  it('a submit that finds the announced-draining runner gone requeues instead of failing', async () => {
    const { templateId } = await seedTwoStep(t);
    const gone = await fakeRunner(false);
    const id = await register('r1', gone.url);
    const run = await startRun(t, templateId);
    const pass = await claimReady(t.ctx);
    // the runner announces its drain and exits between the claim and the submit
    await call(t.app, 'POST', `/runners/${id}/heartbeat`, { attempts: [], draining: true }, H);
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    await submitClaimed(t.ctx, pass.claimed, new Set());
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task).toMatchObject({ status: 'created', retries_used: 0 });
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).not.toBe('failed');
  });

  it("a runner's stop notice marks it offline at once: waiting work counts time-to-start, a restart takes it", async () => {
    const { templateId } = await seedTwoStep(t);
    const runner = await fakeRunner(false);
    const id = await register('r1', runner.url);
    await call(t.app, 'POST', `/runners/${id}/heartbeat`, { attempts: [], draining: true, stopped: true }, H);
    expect((await call(t.app, 'GET', `/runners/${id}`)).body).toMatchObject({ liveness: 'offline' });
    const run = await startRun(t, templateId);
    expect(await claimAndSubmit()).toEqual([]);
    await sweep(t.ctx); // no runner reachable: the task's time-to-start clock starts now
    const waiting = await t.store.read((sql) =>
      sql.get<{ ready_since: number | null }>('SELECT ready_since FROM tasks WHERE id = ?', [
        run.task_ids[0]!,
      ]),
    );
    expect(waiting?.ready_since).toBe(t.clock.now());
    // the restarted runner registers and takes the work; nothing failed meanwhile
    t.clock.advance(2_000);
    await register('r1', runner.url);
    expect((await claimAndSubmit()).map((c) => c.taskId)).toEqual([run.task_ids[0]]);
    expect((await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body).toMatchObject({
      status: 'queued',
      attempt: 1,
    });
    const types = ((await call(t.app, 'GET', '/events?event_type=runner.offline')).body as unknown[]).length;
    expect(types).toBe(1);
  });

  it('manual dispatch to a stack whose only runner stopped fails the submission at once, with triage', async () => {
    await t.close();
    t = await makeTestApi();
    t.ctx.runnerClient = httpRunnerClient(RUNNER_TOKEN, 2_000);
    const { templateId } = await seedTwoStep(t);
    const runner = await fakeRunner(false);
    const id = await register('r1', runner.url);
    await call(t.app, 'POST', `/runners/${id}/heartbeat`, { attempts: [], stopped: true }, H);
    const run = await startRun(t, templateId);
    const d = await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    expect(d.status).toBe(200);
    expect(d.body.runner_submission.submitted).toBe(false);
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task).toMatchObject({ status: 'submit-failed', failure_category: 'runner-submit' });
    expect(task.failure_triage_hints.join(' ')).toContain('r1');
  });
});
