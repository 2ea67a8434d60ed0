import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/scheduler/sweeper.js';
import { claimReady, submitClaimed } from '../../src/scheduler/dispatchPass.js';
import { reconcileAtStart } from '../../src/scheduler/reconciler.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('sweeper, auto dispatch and reconciliation (fake clock, no sleeping)', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 5_000, lostGraceMs: 5_000, defaultTimeToStartS: 10 });
  });
  afterEach(() => t.close());

  async function runningPlan() {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    await report(t, run.task_ids[0]!, { status: 'running', attempt: 1 });
    return { run, runnerId, plan: run.task_ids[0]! };
  }

  it("tells when a runner's liveness is next due to change: its heartbeat timeout, then its lost grace", async () => {
    await runningPlan();
    const seen = t.clock.now();
    expect((await sweep(t.ctx)).nextLivenessAt).toBe(seen + 5_000 + 1);
    t.clock.advance(5_001);
    const marked = await sweep(t.ctx);
    expect(marked.unreachable).toBe(1);
    const since = t.clock.now();
    expect((await sweep(t.ctx)).nextLivenessAt).toBe(since + 5_000 + 1);
    t.clock.advance(5_001);
    expect((await sweep(t.ctx)).lost).toBe(1);
    expect((await sweep(t.ctx)).nextLivenessAt).toBeNull();
  });

  it('a silent runner becomes unreachable, then its task fails runner-lost; a late report is fenced', async () => {
    const { run, plan } = await runningPlan();
    t.clock.advance(4_000);
    expect((await sweep(t.ctx)).unreachable).toBe(0);
    t.clock.advance(1_500);
    expect((await sweep(t.ctx)).unreachable).toBe(1);
    const mid = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(mid.status).toBe('running');
    expect(mid.runner_unreachable_since).not.toBeNull();
    expect((await sweep(t.ctx)).lost).toBe(0); // idempotent inside the grace
    const runnerMid = (await call(t.app, 'GET', '/runners')).body[0];
    expect(runnerMid).toMatchObject({ liveness: 'unreachable', lost: false, heartbeat_timeout_ms: 5_000 });
    expect(Date.parse(runnerMid.lost_at)).toBe(Date.parse(mid.runner_unreachable_since) + 5_000);
    t.clock.advance(5_001);
    expect((await call(t.app, 'GET', `/runners/${runnerMid.id}`)).body).toMatchObject({ lost: true });
    expect((await sweep(t.ctx)).lost).toBe(1);
    const task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task).toMatchObject({
      status: 'failed',
      failure_category: 'runner-lost',
      failure_step: 'runner-lost',
    });
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('failed');
    const late = await report(t, plan, { status: 'success', attempt: 1 });
    expect(late.body.code).toBe('STALE_ATTEMPT');
    expect((await sweep(t.ctx)).lost).toBe(0);
  });

  it('a heartbeat inside the grace clears runner_unreachable_since', async () => {
    const { runnerId, plan } = await runningPlan();
    t.clock.advance(6_000);
    await sweep(t.ctx);
    await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: plan, attempt: 1, status: 'running' }] },
      H,
    );
    const task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task.runner_unreachable_since).toBeNull();
    t.clock.advance(4_000);
    expect((await sweep(t.ctx)).lost).toBe(0);
    expect((await call(t.app, 'GET', '/runners')).body[0]).toMatchObject({
      liveness: 'online',
      lost_at: null,
      lost: false,
    });
  });

  it('enforces the run-time limit and owes the runner a cancel', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId, { plan: { timeout_seconds: 30 } });
    await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    for (let i = 0; i < 7; i++) {
      t.clock.advance(4_500);
      await call(t.app, 'POST', `/runners/${runnerId}/heartbeat`, { attempts: [] }, H);
      await sweep(t.ctx);
    }
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task).toMatchObject({ status: 'failed', failure_category: 'timeout' });
    const hb = await call(t.app, 'POST', `/runners/${runnerId}/heartbeat`, { attempts: [] }, H);
    expect(hb.body.cancel).toEqual([{ task_id: run.task_ids[0], attempt: 1 }]);
  });

  it('auto mode claims ready tasks within runner capacity', async () => {
    await t.close();
    t = await makeTestApi({ dispatchMode: 'auto' });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t, 'r1', 1);
    const a = await startRun(t, templateId);
    const b = await startRun(t, templateId);
    const pass = await claimReady(t.ctx);
    expect(pass.claimed.map((c) => c.taskId)).toEqual([a.task_ids[0]]);
    expect(pass.freeSlots).toBe(0);
    // a busy runner is a queue: waiting for capacity never counts against time-to-start
    t.clock.advance(600_000);
    await call(t.app, 'POST', '/runners/1/heartbeat', { attempts: [] }, H);
    expect((await sweep(t.ctx)).startTimedOut).toBe(0);
    await registerRunner(t, 'r2', 1);
    const pass2 = await claimReady(t.ctx);
    expect(pass2.claimed.map((c) => c.taskId)).toEqual([b.task_ids[0]]);
    expect((await claimReady(t.ctx)).claimed).toEqual([]);
  });

  it('a ready task with no runner fails submit-failed after its time-to-start, naming what is known', async () => {
    await t.close();
    t = await makeTestApi({ dispatchMode: 'auto', defaultTimeToStartS: 10 });
    const { templateId } = await seedTwoStep(t);
    const run = await startRun(t, templateId);
    expect((await claimReady(t.ctx)).claimed).toEqual([]);
    await sweep(t.ctx); // no runner reachable: the clock starts
    t.clock.advance(9_000);
    expect((await sweep(t.ctx)).startTimedOut).toBe(0);
    t.clock.advance(2_000);
    expect((await sweep(t.ctx)).startTimedOut).toBe(1);
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task).toMatchObject({ status: 'submit-failed', failure_category: 'runner-submit' });
    expect(task.failure_triage_hints.join(' ')).toContain('no runner has ever registered');
    expect(task.failure_triage_hints.join(' ')).toContain('no runner has been reachable');
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('failed');
  });

  /** Two runs whose first steps were dispatched to one registered runner. */
  async function twoDispatchedRuns() {
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const runs = [await startRun(t, templateId), await startRun(t, templateId)];
    for (const r of runs) await call(t.app, 'POST', `/tasks/${r.task_ids[0]}/dispatch`);
    return runs;
  }

  it('reconciliation adopts what the runner holds and fails what it lost', async () => {
    const [r1, r2] = await twoDispatchedRuns();
    await report(t, r2.task_ids[0]!, { status: 'running', attempt: 1 });
    t.runner.tasks.set(r1.task_ids[0]!, { task_id: r1.task_ids[0]!, attempt: 1, status: 'running' });
    const res = await reconcileAtStart(t.ctx);
    expect(res).toEqual({ runners: 1, unreachable: 0 });
    expect((await call(t.app, 'GET', `/tasks/${r1.task_ids[0]}`)).body.status).toBe('queued');
    const lost = (await call(t.app, 'GET', `/tasks/${r2.task_ids[0]}`)).body;
    expect(lost).toMatchObject({
      status: 'failed',
      failure_category: 'runner-lost',
      failure_step: 'runner-restarted',
    });
  });

  it('reports applied while reconciliation waits for the list are not undone by it (the API serves meanwhile)', async () => {
    const [r1, r2] = await twoDispatchedRuns();
    await report(t, r1.task_ids[0]!, { status: 'running', attempt: 1 });
    // The runner's list was taken while both still ran; it reaches the API after both reports.
    const stale = [
      { task_id: r1.task_ids[0]!, attempt: 1, status: 'running' as const },
      { task_id: r2.task_ids[0]!, attempt: 1, status: 'queued' as const },
    ];
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    t.runner.listTasks = async () => {
      await gate;
      return stale;
    };
    const reconciling = reconcileAtStart(t.ctx);
    expect((await report(t, r1.task_ids[0]!, { status: 'success', attempt: 1 })).status).toBe(200);
    // r2 still showed `dispatched` (its submit outcome never committed): the report beats adoption.
    expect((await report(t, r2.task_ids[0]!, { status: 'failed', attempt: 1 })).status).toBe(200);
    answer();
    expect(await reconciling).toEqual({ runners: 1, unreachable: 0 });
    expect((await call(t.app, 'GET', `/tasks/${r1.task_ids[0]}`)).body.status).toBe('success');
    expect((await call(t.app, 'GET', `/tasks/${r2.task_ids[0]}`)).body.status).toBe('failed');
    // Neither terminal task was touched again: no reconciled or lost event after its report.
    const events = (await call(t.app, 'GET', `/events?task_id=${r2.task_ids[0]}`)).body as Array<{
      event_type: string;
    }>;
    expect(events.map((e) => e.event_type)).toContain('task.dispatched');
    expect(events.map((e) => e.event_type)).not.toContain('task.reconciled');
    expect(events.map((e) => e.event_type)).not.toContain('task.runner_lost');
  });

  it('reconciliation asks about a live attempt missing from the list before failing it (a cut list)', async () => {
    const [r1, r2] = await twoDispatchedRuns();
    await report(t, r1.task_ids[0]!, { status: 'running', attempt: 1 });
    await report(t, r2.task_ids[0]!, { status: 'running', attempt: 1 });
    // The runner still runs r1's step, but its list leaves it out (as runners before this version
    // did past 1000 attempts); it no longer knows r2's.
    t.runner.tasks.set(r1.task_ids[0]!, { task_id: r1.task_ids[0]!, attempt: 1, status: 'running' });
    t.runner.listTasks = async () => [];
    await reconcileAtStart(t.ctx);
    expect((await call(t.app, 'GET', `/tasks/${r1.task_ids[0]}`)).body.status).toBe('running');
    expect((await call(t.app, 'GET', `/tasks/${r2.task_ids[0]}`)).body).toMatchObject({
      status: 'failed',
      failure_category: 'runner-lost',
    });
  });

  it('reconciliation re-submits a dispatched attempt the runner never received (same attempt number)', async () => {
    await t.close();
    t = await makeTestApi({ dispatchMode: 'auto' });
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    // a crash between claim and submit: the claim committed, the submit never went out
    const pass = await claimReady(t.ctx);
    expect(pass.claimed.map((c) => [c.taskId, c.attempt])).toEqual([[run.task_ids[0], 1]]);
    expect(t.runner.submits).toHaveLength(0);
    await reconcileAtStart(t.ctx);
    const flag = await t.store.read((sql) =>
      sql.get<{ resubmit_pending: number }>('SELECT resubmit_pending FROM tasks WHERE id = ?', [
        run.task_ids[0]!,
      ]),
    );
    expect(flag?.resubmit_pending).toBe(1);
    await submitClaimed(t.ctx, [{ taskId: run.task_ids[0]!, attempt: 1 }], new Set());
    expect(t.runner.submits.map((s) => s.body.attempt)).toEqual([1]);
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task).toMatchObject({ status: 'queued', attempt: 1 });
  });
});
