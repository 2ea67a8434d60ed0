import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { submitAttempt } from '../../src/services/dispatch.js';
import { H, registerRunner, report, seedTwoStep, startRun } from '../helpers/fixtures.js';

describe('run lifecycle (manual dispatch, fake runner client)', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  it('creates one task per step in step order with dependencies mapped to task ids', async () => {
    const { templateId } = await seedTwoStep(t);
    const run = await startRun(t, templateId);
    expect(run.status).toBe('created');
    expect(run.task_ids).toHaveLength(2);
    const build = await call(t.app, 'GET', `/tasks/${run.task_ids[1]}`);
    expect(build.body.depends_on).toEqual([run.task_ids[0]]);
    expect(build.body.step_id).toBe('build');
  });

  it('runs a two-step workflow through dispatch and runner reports to success', async () => {
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const [plan, build] = run.task_ids as [number, number];

    const blocked = await call(t.app, 'POST', `/tasks/${build}/dispatch`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('TASK_NOT_DISPATCHABLE');

    const d = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(d.body).toMatchObject({ run_id: run.id, dispatched: true, task_id: plan });
    expect(t.runner.submits).toHaveLength(1);
    const sent = t.runner.submits[0]!.body;
    expect(sent).toMatchObject({ task_id: plan, attempt: 1, run_id: run.id });
    expect(sent.prompt).toContain('You write careful code.');
    expect(sent.prompt).toContain('Plan the change');
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('queued');

    expect((await report(t, plan, { status: 'running', attempt: 1 })).body.status).toBe('running');
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('running');
    const ok = await report(t, plan, {
      status: 'success',
      attempt: 1,
      exit_code: 0,
      stdout: 'done',
      handoff: { summary: 'plan ready', next_actions: ['build step 1'] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('success');

    const waiting = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(waiting.body.task_id).toBe(build);
    expect(t.runner.submits[1]!.body.prompt).toContain('plan ready');
    await report(t, build, { status: 'success', attempt: 1, exit_code: 0 });
    const final = await call(t.app, 'GET', `/workflow-runs/${run.id}`);
    // First-version shape: a percentage.
    expect(final.body).toMatchObject({ status: 'success', success_rate: 100 });
    // v1: a finished run has nothing left to dispatch (only paused/aborted are 409).
    const none = await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ dispatched: false, reason: 'no ready tasks' });

    const handoffs = await call(t.app, 'GET', `/tasks/${plan}/handoff`);
    expect(handoffs.body.handoff.summary).toBe('plan ready');
    const audit = await call(t.app, 'GET', `/tasks/${plan}/audit`);
    expect(audit.body.prompt).toContain('Plan the change');
    expect(audit.body.attempts).toHaveLength(1);
    // The submit outcome recorded when the runner took the attempt, with its queued status.
    expect(audit.body.attempts[0].submitted_at).toEqual(expect.any(String));
    expect(audit.body.attempts[0].status).toBe('success');
  });

  it('answers a repeated terminal report with 200 unchanged, refuses regressions and stale attempts with events', async () => {
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'success', attempt: 1 });
    const again = await report(t, plan, { status: 'success', attempt: 1 });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('success');
    const late = await report(t, plan, { status: 'running', attempt: 1 });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('ILLEGAL_TRANSITION');
    const stale = await report(t, plan, { status: 'failed', attempt: 7 });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('STALE_ATTEMPT');
    // Our runner always names its attempt: with runner auth on, a report without one is refused.
    const unnamed = await report(t, plan, { status: 'success' });
    expect(unnamed.status).toBe(422);
    expect(unnamed.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'attempt' });
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('success');
    const events = await call(t.app, 'GET', `/events?task_id=${plan}`);
    const types = events.body.map((e: { event_type: string }) => e.event_type);
    expect(types.filter((x: string) => x === 'task.report_refused')).toHaveLength(2);
    expect(types.filter((x: string) => x === 'task.report_duplicate')).toHaveLength(1);
  });

  it('with runner auth off (first-version clients) a report without attempt speaks for the current attempt, fenced all the same', async () => {
    await t.close();
    t = await makeTestApi({ runnerAuth: false });
    const { templateId } = await seedTwoStep(t, {
      retry: { max_retries: 1, retry_on: ['runner-transient'], backoff_initial_ms: 5000, jitter: 0 },
    });
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect((await report(t, plan, { status: 'running' })).body).toMatchObject({
      status: 'running',
      attempt: 1,
    });
    // The runner restarted without the attempt: lost, retried per policy; the old attempt is fenced.
    await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1', attempts: [] },
      H,
    );
    const late = await report(t, plan, { status: 'success' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('STALE_ATTEMPT');
    t.clock.advance(5_000);
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect((await report(t, plan, { status: 'success' })).body).toMatchObject({
      status: 'success',
      attempt: 2,
    });
  });

  it('requires the runner token on callbacks and registration', async () => {
    const res = await call(t.app, 'POST', '/runner/tasks/1/status', { status: 'running' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('RUNNER_TOKEN_INVALID');
    const wrong = await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'x', url: 'http://127.0.0.1:1' },
      { 'x-runner-token': 'nope' },
    );
    expect(wrong.status).toBe(401);
  });

  it('marks an unreachable submit submit-failed with runner-submit triage naming the runner, fails the run and cancels the rest', async () => {
    const { templateId } = await seedTwoStep(t);
    await registerRunner(t);
    const run = await startRun(t, templateId);
    t.runner.unreachable = true;
    const d = await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/dispatch`);
    expect(d.status).toBe(200);
    expect(d.body.runner_submission.submitted).toBe(false);
    const task = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body;
    expect(task.status).toBe('submit-failed');
    expect(task.failure_category).toBe('runner-submit');
    expect(task.failure_step).toBe('submit');
    expect(task.failure_triage_hints.join(' ')).toContain('http://127.0.0.1:9/r1');
    expect(task.suggested_next_actions.length).toBeGreaterThan(0);
    const r = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(r.status).toBe('failed');
    expect(r.failure_categories).toContain('runner-submit');
    expect((await call(t.app, 'GET', `/tasks/${run.task_ids[1]}`)).body.status).toBe('canceled');
    const runners = (await call(t.app, 'GET', '/runners')).body;
    expect(runners[0].liveness).toBe('unreachable');
  });

  it('retries a runner-transient failure with backoff when the policy says so', async () => {
    const { templateId } = await seedTwoStep(t, {
      retry: { max_retries: 1, retry_on: ['runner-transient'], backoff_initial_ms: 1000, jitter: 0 },
    });
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    t.runner.unreachable = true;
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    let task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task).toMatchObject({ status: 'created', retries_used: 1, attempt: 1 });
    expect(Date.parse(task.next_attempt_at) - t.clock.now()).toBe(1000);
    expect((await call(t.app, 'POST', `/tasks/${plan}/dispatch`)).body.reason).toBe('backoff');
    t.clock.advance(1001);
    t.runner.unreachable = false;
    await registerRunner(t); // back online
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task).toMatchObject({ status: 'queued', attempt: 2 });
    // the first attempt is fenced
    expect((await report(t, plan, { status: 'success', attempt: 1 })).body.code).toBe('STALE_ATTEMPT');
    expect((await report(t, plan, { status: 'success', attempt: 2 })).body.status).toBe('success');
    const r = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(r.retry_summary.total_retries).toBe(1);
  });

  it('gates dispatch on approval; rejection cancels; decisions are final after dispatch', async () => {
    const { templateId } = await seedTwoStep(t, { approval: true });
    await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    const gate = (await call(t.app, 'GET', `/tasks/${plan}/approval`)).body;
    expect(gate.status).toBe('pending');
    const blocked = await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect(blocked.body).toMatchObject({ code: 'TASK_NOT_DISPATCHABLE', reason: 'approval pending' });
    expect((await call(t.app, 'POST', `/approvals/${gate.id}/approve`, { actor: 'ann' })).body.status).toBe(
      'approved',
    );
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    const late = await call(t.app, 'POST', `/approvals/${gate.id}/reject`, {});
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('APPROVAL_LOCKED');
    expect((await call(t.app, 'GET', '/approvals/999')).body.code).toBe('APPROVAL_NOT_FOUND');
  });

  it('rejecting an approval cancels the task and fails the run', async () => {
    const { templateId } = await seedTwoStep(t, { approval: true });
    const run = await startRun(t, templateId);
    const gate = (await call(t.app, 'GET', `/tasks/${run.task_ids[0]}/approval`)).body;
    expect((await call(t.app, 'POST', `/approvals/${gate.id}/reject`, { comment: 'no' })).body.status).toBe(
      'rejected',
    );
    expect((await call(t.app, 'GET', `/tasks/${run.task_ids[0]}`)).body.failure_category).toBe('canceled');
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('failed');
    expect((await call(t.app, 'POST', `/approvals/${gate.id}/approve`, {})).body.code).toBe(
      'APPROVAL_ALREADY_DECIDED',
    );
  });

  it('pauses, resumes and aborts; abort cancels at once even with the runner unreachable', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    await call(t.app, 'POST', `/workflow-runs/${run.id}/pause`, {});
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`)).body.code).toBe(
      'RUN_STATE_CONFLICT',
    );
    // A resumed run is running, even before its first dispatch (v1's answer; docs/compatibility.md).
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/resume`, {})).body.status).toBe('running');
    await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    t.runner.unreachable = true;
    const aborted = await call(t.app, 'POST', `/workflow-runs/${run.id}/abort`, { reason: 'stop' });
    expect(aborted.body.status).toBe('aborted');
    const tasks = (await call(t.app, 'GET', `/tasks?run_id=${run.id}`)).body;
    expect(tasks.map((x: { status: string }) => x.status)).toEqual(['canceled', 'canceled']);
    // the cancel is owed to the runner and handed over with its next heartbeat
    const hb = await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: run.task_ids[0], attempt: 1, status: 'running' }] },
      H,
    );
    expect(hb.body.cancel).toEqual([{ task_id: run.task_ids[0], attempt: 1 }]);
    const hb2 = await call(
      t.app,
      'POST',
      `/runners/${runnerId}/heartbeat`,
      { attempts: [{ task_id: run.task_ids[0], attempt: 1, status: 'canceled' }] },
      H,
    );
    expect(hb2.body.cancel).toEqual([]);
    expect((await call(t.app, 'POST', `/workflow-runs/${run.id}/pause`, {})).body.code).toBe(
      'RUN_STATE_CONFLICT',
    );
    expect((await call(t.app, 'POST', `/tasks/${run.task_ids[0]}/cancel`, {})).body.code).toBe(
      'TASK_NOT_CANCELABLE',
    );
  });

  it('404s unknown runs and tasks and 422s bad run bodies', async () => {
    expect((await call(t.app, 'GET', '/workflow-runs/5')).body.code).toBe('WORKFLOW_RUN_NOT_FOUND');
    expect((await call(t.app, 'GET', '/tasks/5')).body.code).toBe('TASK_NOT_FOUND');
    expect((await call(t.app, 'POST', '/workflow-runs', {})).body.code).toBe('VALIDATION_FAILED');
    expect((await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: 77 })).body.code).toBe(
      'WORKFLOW_TEMPLATE_NOT_FOUND',
    );
    expect((await call(t.app, 'GET', '/tasks/abc')).body.code).toBe('VALIDATION_FAILED');
  });

  it('creates a run from standalone task ids and serves the execution summary', async () => {
    const { roleId } = await seedTwoStep(t);
    const a = await call(t.app, 'POST', '/tasks', { role_id: roleId, title: 'solo' });
    expect(a.body).toMatchObject({ status: 'created', run_id: null, failure_triage_hints: [] });
    const run = await call(t.app, 'POST', '/workflow-runs', { task_ids: [a.body.id] });
    expect(run.body.task_ids).toEqual([a.body.id]);
    const again = await call(t.app, 'POST', '/workflow-runs', { task_ids: [a.body.id] });
    expect(again.body.code).toBe('RUN_STATE_CONFLICT');
    const sum = await call(t.app, 'GET', `/workflow-runs/${run.body.id}/execution-summary`);
    expect(sum.body).toMatchObject({
      run_id: run.body.id,
      pending_task_ids: [a.body.id],
      progress: { total: 1 },
    });
    expect(sum.body.events[0].event_type).toBe('workflow_run.created');
    // The first version's timeline: one entry per task.
    expect(sum.body.timeline).toEqual([
      expect.objectContaining({ task_id: a.body.id, stage_state: 'blocked', progress_percent: 0 }),
    ]);
  });
  it('an unconfirmed submit (timeout after sending) re-sends the same attempt, and fails with a cancel owed only after time-to-start', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId, { plan: { time_to_start_seconds: 5 } });
    const plan = run.task_ids[0]!;
    t.runner.submitAnswer = {
      ok: false,
      kind: 'unknown',
      httpStatus: null,
      message: 'UND_ERR_HEADERS_TIMEOUT',
    };
    const d = await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect(d.body.runner_submission.submitted).toBe(false);
    let task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task).toMatchObject({ status: 'dispatched', attempt: 1 });
    const flag = await t.store.read((sql) =>
      sql.get<{ resubmit_pending: number }>('SELECT resubmit_pending FROM tasks WHERE id = ?', [plan]),
    );
    expect(flag?.resubmit_pending).toBe(1);
    expect((await call(t.app, 'GET', '/runners')).body[0].liveness).toBe('online');
    // still unconfirmed after the time-to-start: now it fails, and the runner is told to drop it
    t.clock.advance(6_000);
    await submitAttempt(t.ctx, plan, 1);
    task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task).toMatchObject({ status: 'submit-failed', failure_category: 'runner-submit' });
    expect(t.runner.submits.map((x) => x.body.attempt)).toEqual([1, 1]);
    const hb = await call(t.app, 'POST', `/runners/${runnerId}/heartbeat`, { attempts: [] }, H);
    expect(hb.body.cancel).toEqual([{ task_id: plan, attempt: 1 }]);
  });
  it('a runner report that beats the submit outcome leaves no cancel owed; a cancel during the submit does', async () => {
    const { templateId } = await seedTwoStep(t);
    const runnerId = await registerRunner(t);
    const run = await startRun(t, templateId);
    const plan = run.task_ids[0]!;
    const submit = t.runner.submit.bind(t.runner);
    // The runner runs the attempt and its success report commits while the submit call is in flight.
    t.runner.submit = async (url, body) => {
      await report(t, body.task_id, { status: 'success', attempt: body.attempt, exit_code: 0 });
      return submit(url, body);
    };
    const d = await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    expect(d.body.runner_submission.submitted).toBe(true);
    expect((await call(t.app, 'GET', `/tasks/${plan}`)).body.status).toBe('success');
    let hb = await call(t.app, 'POST', `/runners/${runnerId}/heartbeat`, { attempts: [] }, H);
    expect(hb.body.cancel).toEqual([]);
    // Canceled while its submit is in flight: the runner accepted a dead attempt and must be told.
    const build = run.task_ids[1]!;
    t.runner.submit = async (url, body) => {
      await call(t.app, 'POST', `/tasks/${body.task_id}/cancel`);
      return submit(url, body);
    };
    await call(t.app, 'POST', `/tasks/${build}/dispatch`);
    hb = await call(t.app, 'POST', `/runners/${runnerId}/heartbeat`, { attempts: [] }, H);
    expect(hb.body.cancel).toContainEqual({ task_id: build, attempt: 1 });
  });
});
