/**
 * Quality gates (first version TASK-056 shapes) that gate: a failing required blocker check fails the
 * task with category quality-gate and stops its dependents; warn checks are only reported. Run rollups
 * (success rate, retries, per-role metrics, gate roll-up) on `GET /workflow-runs/{id}`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { registerRunner, report } from '../helpers/fixtures.js';

const gate = (...checks: Array<[string, 'blocker' | 'warn']>) => ({
  required_checks: checks.map(([check, severity]) => ({ check, severity })),
});

describe('quality gates and run rollups (v1 surface, in-process)', () => {
  let t: TestApi;
  let role: number;
  beforeEach(async () => {
    t = await makeTestApi();
    await registerRunner(t);
    role = (await call(t.app, 'POST', '/roles', { name: 'dev' })).body.id;
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('a task without a policy gets the default task-status blocker; warn failures are reported, not gating', async () => {
    const plain = (await call(t.app, 'POST', '/tasks', { role_id: role, title: 'plain' })).body;
    expect(plain.quality_gate_policy).toEqual({
      required_checks: [
        { check: 'task-status', required: true, severity: 'blocker', config: {}, description: null },
      ],
    });
    expect(plain.quality_gate_summary).toMatchObject({
      status: 'pending',
      pending_checks: 1,
      total_checks: 1,
    });

    const warned = (
      await call(t.app, 'POST', '/tasks', {
        role_id: role,
        title: 'warned',
        quality_gate_policy: gate(['task-status', 'blocker'], ['handoff-present', 'warn']),
      })
    ).body;
    expect(warned.quality_gate_summary).toMatchObject({ status: 'pending', pending_checks: 2 });
    await call(t.app, 'POST', `/tasks/${warned.id}/dispatch`);
    const done = await report(t, warned.id, { status: 'success', attempt: 1, exit_code: 0 });
    expect(done.body.status).toBe('success');
    expect(done.body.quality_gate_summary).toMatchObject({
      status: 'pass',
      blocker_failures: 0,
      warning_failures: 1,
      summary_text: 'Passed with 1 warning gate failure(s).',
    });
    const byCheck = Object.fromEntries(done.body.quality_gate_summary.checks.map((c: any) => [c.check, c]));
    expect(byCheck['task-status']).toMatchObject({ status: 'pass', blocker: false });
    expect(byCheck['handoff-present']).toMatchObject({ status: 'fail', severity: 'warn', blocker: false });
  });

  it('refuses an unknown check name with 422 (a gate that could never pass)', async () => {
    const r = await call(t.app, 'POST', '/tasks', {
      role_id: role,
      title: 'x',
      quality_gate_policy: { required_checks: [{ check: 'lint-clean' }] },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('quality gate check must be one of');
  });

  it('a failing blocker turns a success into a quality-gate failure and stops the dependents', async () => {
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'gated',
      steps: [
        {
          step_id: 'draft',
          role_id: role,
          title: 'Draft',
          quality_gate_policy: gate(['handoff-present', 'blocker']),
        },
        { step_id: 'publish', role_id: role, title: 'Publish', depends_on: ['draft'] },
      ],
    });
    const run = (await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: tpl.body.id })).body;
    const [draft, publish] = run.task_ids;
    expect(run.quality_gate_summary).toMatchObject({ status: 'pending', total_tasks: 2, pending_tasks: 2 });
    await call(t.app, 'POST', `/workflow-runs/${run.id}/dispatch-ready`);
    const r = await report(t, draft, { status: 'success', attempt: 1, exit_code: 0 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'failed', exit_code: 0, failure_category: 'quality-gate' });
    expect(r.body.message).toContain('quality gate failed');
    expect(r.body.failure_triage_hints[0]).toContain('handoff-present');
    expect(r.body.quality_gate_summary).toMatchObject({ status: 'fail', blocker_failures: 1 });
    const after = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(after.status).toBe('failed');
    expect(after.failure_categories).toEqual(['quality-gate', 'canceled']);
    expect(after.quality_gate_summary).toMatchObject({
      status: 'fail',
      failing_tasks: 2,
      blocker_failures: 2,
    });
    expect((await call(t.app, 'GET', `/tasks/${publish}`)).body.status).toBe('canceled');
    const ev = (await call(t.app, 'GET', `/events?task_id=${draft}&event_type=task.quality_gate_failed`))
      .body;
    expect(ev).toHaveLength(1);
    // A quality-gate failure is not retried and can be rerun once fixed; with a handoff it passes.
    const rr = await call(t.app, 'POST', `/workflow-runs/${run.id}/partial-rerun`, { step_ids: ['draft'] });
    expect(rr.status).toBe(200);
    const ok = await report(t, draft, {
      status: 'success',
      attempt: 2,
      exit_code: 0,
      handoff: { summary: 'drafted' },
    });
    expect(ok.body).toMatchObject({ status: 'success', failure_category: null });
    expect(ok.body.quality_gate_summary.status).toBe('pass');
  });

  it('required-artifacts-present: required handoff artifacts must exist, be the task’s own and of its run', async () => {
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'arts',
      steps: [
        {
          step_id: 'a',
          role_id: role,
          title: 'A',
          quality_gate_policy: gate(['required-artifacts-present', 'blocker']),
        },
        {
          step_id: 'b',
          role_id: role,
          title: 'B',
          quality_gate_policy: gate(['required-artifacts-present', 'blocker']),
        },
      ],
    });
    const run = (await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: tpl.body.id })).body;
    const [a, b] = run.task_ids;
    await call(t.app, 'POST', `/tasks/${a}/dispatch`);
    await call(t.app, 'POST', `/tasks/${b}/dispatch`);
    const art = (
      await call(t.app, 'POST', '/artifacts', {
        artifact_type: 'report',
        location: 'r.md',
        summary: 'r',
        producer_task_id: a,
        run_id: run.id,
      })
    ).body;
    const good = await report(t, a, {
      status: 'success',
      attempt: 1,
      handoff: { summary: 'a', artifacts: [{ artifact_id: art.id, is_required: true }] },
    });
    expect(good.body.status).toBe('success');
    const check = good.body.quality_gate_summary.checks[0];
    expect(check).toMatchObject({ check: 'required-artifacts-present', status: 'pass' });
    // b names a's artifact as its own required output: refused by the gate.
    const bad = await report(t, b, {
      status: 'success',
      attempt: 1,
      handoff: { summary: 'b', artifacts: [{ artifact_id: art.id, is_required: true }] },
    });
    expect(bad.body).toMatchObject({ status: 'failed', failure_category: 'quality-gate' });
    expect(bad.body.quality_gate_summary.checks[0].details.invalid_producer_ids).toEqual([art.id]);
  });

  it('run rollups: success rate in percent, retries, per-role metrics, retry summary', async () => {
    const other = (await call(t.app, 'POST', '/roles', { name: 'ops' })).body.id;
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'roll',
      steps: [
        { step_id: 'a', role_id: role, title: 'A' },
        { step_id: 'b', role_id: role, title: 'B' },
        {
          step_id: 'c',
          role_id: other,
          title: 'C',
          retry_policy: { max_retries: 1, retry_on: ['agent-error'] },
        },
      ],
    });
    const run = (await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: tpl.body.id })).body;
    const [a, b, c] = run.task_ids;
    for (const id of [a, b, c]) await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    t.clock.advance(1500);
    await report(t, a, { status: 'running', attempt: 1 });
    await report(t, c, {
      status: 'failed',
      attempt: 1,
      exit_code: 1,
      failure_step: 'run',
      message: 'agent error',
    });
    const mid = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(mid.retry_summary).toMatchObject({ total_retries: 1, retried_task_ids: [c] });
    expect(mid.retry_summary.exhausted_task_ids).toBeUndefined();
    expect(mid.retries_total).toBe(0);
    t.clock.advance(600_000);
    expect((await call(t.app, 'POST', `/tasks/${c}/dispatch`)).status).toBe(200);
    await report(t, c, {
      status: 'failed',
      attempt: 2,
      exit_code: 1,
      failure_step: 'run',
      message: 'agent error',
    });
    await report(t, a, { status: 'success', attempt: 1, exit_code: 0 });
    const view = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(view.success_rate).toBe(33.33);
    expect(
      view.per_role.map((p: any) => [p.role_id, p.task_count, p.successful_tasks, p.success_rate]),
    ).toEqual([
      [role, 2, 1, 50],
      [other, 1, 0, 0],
    ]);
    expect(view.per_role.map((p: any) => [p.throughput_tasks, p.retries_total])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    // a ran from its running report to its success (10 minutes later); b never started.
    expect(view.per_role[0].duration_ms).toBe(600_000);
    expect(view).toMatchObject({ status: 'failed', retries_total: 1 });
    expect(view.retry_summary).toMatchObject({
      total_retries: 1,
      retried_task_ids: [c],
      exhausted_task_ids: [c],
    });
    expect(view.failure_triage_hints).toContain(
      'Retry budget exhausted for one or more tasks. Manual intervention is required.',
    );
  });
});
