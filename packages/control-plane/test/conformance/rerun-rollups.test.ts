import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Workflow runs" rows `POST /workflow-runs/{id}/partial-rerun`,
 * `GET /workflow-runs/{id}/execution-summary` and the computed metrics of `GET /workflow-runs/{id}`,
 * §3 "Partial rerun" and "Quality gates", driven as a first-version client drives them: manual
 * dispatch, completion faked through the runner callback (no attempt, no token). A step that must not
 * finish on its own runs a mock agent that hangs (`executor_params`), so only the callback ends it.
 */
const v1 = v1Stack();
// The hanging agents of the later tests hold runner slots (capacity 4) until the stack goes down: the
// test whose agents must finish on their own runs first.
const HANG = { mock: { hang: true } };

async function setup(steps: Array<Record<string, unknown>>) {
  const role = await v1.call('POST', '/roles', { name: `role-${Math.random()}`, context7_enabled: true });
  expect(role.status).toBe(200);
  const tpl = await v1.call('POST', '/workflow-templates', {
    name: `tpl-${Math.random()}`,
    steps: steps.map((s) => ({ role_id: role.body.id, title: String(s.step_id), depends_on: [], ...s })),
  });
  expect(tpl.status).toBe(200);
  const run = await v1.call('POST', '/workflow-runs', {
    workflow_template_id: tpl.body.id,
    initiated_by: 'conf',
  });
  expect(run.status).toBe(200);
  return { roleId: role.body.id as number, run: run.body as { id: number; task_ids: number[] } };
}
const callback = (taskId: number, body: Record<string, unknown>) =>
  v1.call('POST', `/runner/tasks/${taskId}/status`, body);
const runStatus = async (id: number) => (await v1.call('GET', `/workflow-runs/${id}`)).body.status;
const until = (what: string, id: number, want: string) =>
  waitFor(`${what} ${want}`, async () => (await runStatus(id)) === want, 30_000);

describe('v1 partial rerun, execution summary and run rollups', () => {
  it('GET /workflow-runs/{id} → metrics (success_rate %, retries_total, per_role) and gates that gate', async () => {
    const { run, roleId } = await setup([
      { step_id: 'ok' },
      {
        step_id: 'gated',
        depends_on: ['ok'],
        // The mock agent succeeds without a handoff: the blocker fails the task.
        quality_gate_policy: {
          required_checks: [
            { check: 'task-status', required: true, severity: 'blocker' },
            { check: 'handoff-present', required: true, severity: 'blocker' },
          ],
        },
      },
    ]);
    const [ok, gated] = run.task_ids as [number, number];
    const created = (await v1.call('GET', `/workflow-runs/${run.id}`)).body;
    expect(created.quality_gate_summary).toMatchObject({ status: 'pending', total_tasks: 2 });
    expect((await v1.call('POST', `/workflow-runs/${run.id}/dispatch-ready`)).body.task_id).toBe(ok);
    await waitFor(
      'ok done',
      async () => (await v1.call('GET', `/tasks/${ok}`)).body.status === 'success',
      30_000,
    );
    expect((await v1.call('POST', `/workflow-runs/${run.id}/dispatch-ready`)).body.task_id).toBe(gated);
    await until('run', run.id, 'failed');

    const g = (await v1.call('GET', `/tasks/${gated}`)).body;
    expect(g).toMatchObject({ status: 'failed', exit_code: 0, failure_category: 'quality-gate' });
    // Once failed, its task-status check fails as well.
    expect(g.quality_gate_summary).toMatchObject({ status: 'fail', blocker_failures: 2, total_checks: 2 });
    expect(g.failure_triage_hints.join(' ')).toContain('handoff-present');
    const view = (await v1.call('GET', `/workflow-runs/${run.id}`)).body;
    expect(view).toMatchObject({ status: 'failed', success_rate: 50, retries_total: 0 });
    expect(view.retry_summary).toMatchObject({ total_retries: 0, retried_task_ids: [] });
    expect(view.per_role).toEqual([
      expect.objectContaining({
        role_id: roleId,
        task_count: 2,
        successful_tasks: 1,
        failed_tasks: 1,
        throughput_tasks: 2,
        success_rate: 50,
        retries_total: 0,
      }),
    ]);
    expect(view.per_role[0].duration_ms).toEqual(expect.any(Number));
    expect(view.duration_ms).toEqual(expect.any(Number));
    expect(view.failure_categories).toContain('quality-gate');
    expect(view.quality_gate_summary).toMatchObject({
      status: 'fail',
      total_tasks: 2,
      passing_tasks: 1,
      failing_tasks: 1,
      blocker_failures: 2,
    });
    expect(typeof view.quality_gate_summary.summary_text).toBe('string');
  });

  it('POST /workflow-runs/{id}/partial-rerun → reruns the selected failed step on fresh attempts', async () => {
    const { run } = await setup([
      { step_id: 'root_a', executor_params: HANG },
      { step_id: 'root_b', executor_params: HANG },
    ]);
    const [a, b] = run.task_ids as [number, number];
    expect((await v1.call('POST', `/tasks/${a}/dispatch`)).status).toBe(200);
    expect((await callback(a, { status: 'failed', message: 'network timeout' })).status).toBe(200);
    await until('run', run.id, 'failed');

    const r = await v1.call('POST', `/workflow-runs/${run.id}/partial-rerun`, {
      step_ids: ['root_a'],
      requested_by: 'operator-ui',
      reason: 'applied fix for transient failure',
      auto_dispatch: true,
      max_dispatch: 5,
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(
      expect.arrayContaining([
        'run_id',
        'requested_by',
        'reason',
        'selected_task_ids',
        'selected_step_ids',
        'reset_task_ids',
        'plan',
        'spawn',
        'aggregate',
      ]),
    );
    expect(r.body).toMatchObject({
      run_id: run.id,
      requested_by: 'operator-ui',
      reason: 'applied fix for transient failure',
      selected_step_ids: ['root_a'],
      selected_task_ids: [a],
    });
    // Ours: the fail-fast canceled root_b; it starts over with the selection (v1 had left it created).
    expect(r.body.reset_task_ids).toEqual([a, b]);
    expect(r.body.spawn.map((s: any) => [s.task_id, s.submitted])).toEqual([
      [a, true],
      [b, true],
    ]);
    expect(r.body.aggregate.run.id).toBe(run.id);
    const audit = (await v1.call('GET', `/tasks/${a}/audit`)).body;
    expect(audit).toMatchObject({
      rerun_count: 1,
      last_rerun_by: 'operator-ui',
      last_rerun_reason: 'applied fix for transient failure',
    });
    const ev = await v1.call(
      'GET',
      `/events?run_id=${run.id}&event_type=workflow_run.partial_rerun_requested&limit=20`,
    );
    expect(ev.body.at(-1).payload).toMatchObject({
      requested_by: 'operator-ui',
      reason: 'applied fix for transient failure',
      selected_task_ids: [a],
    });
    expect(
      (await v1.call('GET', `/events?run_id=${run.id}&event_type=task.partial_rerun_reset`)).body,
    ).toHaveLength(2);

    // The attempt the rerun replaced is fenced; the current one completes the run.
    const t = (await v1.call('GET', `/tasks/${a}`)).body;
    expect(t.attempt).toBe(2);
    expect((await callback(a, { status: 'success', attempt: 1 })).status).toBe(409);
    expect((await callback(a, { status: 'success' })).status).toBe(200);
    expect((await callback(b, { status: 'success' })).status).toBe(200);
    await until('run', run.id, 'success');
  });

  it('POST /workflow-runs/{id}/partial-rerun refusals: 422 for a non-failed selection, 404 for an unknown run', async () => {
    const { run } = await setup([{ step_id: 'only', executor_params: HANG }]);
    const [only] = run.task_ids as [number];
    await v1.call('POST', `/tasks/${only}/dispatch`);
    expect((await callback(only, { status: 'success' })).status).toBe(200);
    const r = await v1.call('POST', `/workflow-runs/${run.id}/partial-rerun`, {
      task_ids: [only],
      requested_by: 'operator-ui',
      reason: 'should fail validation',
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('failed terminal tasks only');
    expect((await v1.call('POST', '/workflow-runs/987654/partial-rerun', { task_ids: [1] })).status).toBe(
      404,
    );
  });

  it('GET /workflow-runs/{id}/execution-summary → the v1 summary: counts, progress, cards, plan, timeline, tasks', async () => {
    const { run } = await setup([
      { step_id: 'draft', executor_params: HANG },
      { step_id: 'final', depends_on: ['draft'], executor_params: HANG },
    ]);
    const [draft, fin] = run.task_ids as [number, number];
    await v1.call('POST', `/tasks/${draft}/dispatch`);
    expect((await callback(draft, { status: 'success', handoff: { summary: 'drafted' } })).status).toBe(200);
    const s = await v1.call('GET', `/workflow-runs/${run.id}/execution-summary`);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      task_status_counts: { success: 1, created: 1 },
      terminal: false,
      partial_completion: true,
      progress_percent: 50,
      branch_status_cards: { active: 0, blocked: 1, done: 1 },
      successful_task_ids: [draft],
      failed_task_ids: [],
      active_task_ids: [],
      pending_task_ids: [fin],
    });
    expect(s.body.run.id).toBe(run.id);
    expect(s.body.next_dispatch).toEqual({
      ready: [{ task_id: fin, consumed_artifact_ids: [] }],
      blocked: [],
    });
    expect(
      s.body.timeline.map((e: any) => [e.task_id, e.branch, e.stage_id, e.stage_state, e.progress_percent]),
    ).toEqual([
      [draft, 'draft', 'draft', 'done', 100],
      [fin, 'draft', 'final', 'blocked', 0],
    ]);
    const first = s.body.tasks[0];
    for (const k of [
      'task_id',
      'title',
      'role_id',
      'status',
      'runner_message',
      'started_at',
      'finished_at',
      'exit_code',
      'requires_approval',
      'approval_status',
      'consumed_artifact_ids',
      'produced_artifact_ids',
      'handoff_summary',
      'quality_gate_summary',
    ])
      expect(first, k).toHaveProperty(k);
    expect(first).toMatchObject({ task_id: draft, handoff_summary: 'drafted' });
    expect(first.quality_gate_summary.status).toBe('pass');
    expect((await v1.call('GET', '/workflow-runs/987654/execution-summary')).status).toBe(404);
  });
});
