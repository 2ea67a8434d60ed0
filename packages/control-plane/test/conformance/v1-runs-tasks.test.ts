import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Workflow runs" (create, read), "Tasks" (create, list, cancel,
 * locks/release, approval), "Runner callback", "Approvals" and the list filters of "Events, artifacts,
 * handoffs", one test per row, written from the reference. Deliberate differences are named with their
 * docs/compatibility.md entry ("Projects, templates, runs, tasks, approvals and lists").
 */
const v1 = v1Stack();

let seq = 0;
const HANG = { executor_params: { mock: { hang: true } } };

async function role(): Promise<number> {
  const r = await v1.call('POST', '/roles', { name: `rows-${++seq}`, context7_enabled: false });
  expect(r.status).toBe(200);
  return r.body.id;
}

async function template(roleId: number, extra: Record<string, unknown> = {}): Promise<number> {
  const r = await v1.call('POST', '/workflow-templates', {
    name: `rows-tpl-${++seq}`,
    steps: [
      { step_id: 'plan', role_id: roleId, title: 'Plan it', ...extra },
      {
        step_id: 'build',
        role_id: roleId,
        title: 'Build it',
        depends_on: ['plan'],
        required_artifacts: [{ from_step_id: 'plan', artifact_type: 'report' }],
      },
    ],
  });
  expect(r.status).toBe(200);
  return r.body.id;
}

async function task(body: Record<string, unknown>): Promise<number> {
  const r = await v1.call('POST', '/tasks', body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.id;
}

describe('v1 workflow runs: create and read', () => {
  it('POST /workflow-runs with a template → one task per step, status created, event workflow_run.created', async () => {
    const r0 = await role();
    const tpl = await template(r0);
    const r = await v1.call('POST', '/workflow-runs', { workflow_template_id: tpl, initiated_by: 'alice' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ workflow_template_id: tpl, status: 'created', initiated_by: 'alice' });
    expect(r.body.task_ids).toHaveLength(2);
    const [plan, build] = r.body.task_ids;
    const tasks = (await v1.call('GET', `/tasks?run_id=${r.body.id}`)).body;
    expect(tasks.map((t: any) => [t.id, t.title, t.role_id, t.status])).toEqual([
      [plan, 'Plan it', r0, 'created'],
      [build, 'Build it', r0, 'created'],
    ]);
    // dependencies and artifact requirements mapped to task ids
    expect(r.body.step_dependencies).toEqual({ [plan]: [], [build]: [plan] });
    expect(r.body.step_artifact_requirements[build]).toEqual([
      { from_task_ids: [plan], artifact_type: 'report', label: null },
    ]);
    const ev = await v1.call('GET', `/events?run_id=${r.body.id}&event_type=workflow_run.created`);
    expect(ev.body).toHaveLength(1);
    expect((await v1.call('POST', '/workflow-runs', { workflow_template_id: 99999 })).status).toBe(404);
  });

  it('POST /workflow-runs with task_ids → wraps the tasks, no dependencies; neither template nor tasks is 422', async () => {
    const r0 = await role();
    const a = await task({ role_id: r0, title: 'loose A' });
    const b = await task({ role_id: r0, title: 'loose B' });
    const r = await v1.call('POST', '/workflow-runs', { task_ids: [a, b] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ task_ids: [a, b], status: 'created' });
    expect(r.body.workflow_template_id ?? null).toBeNull();
    expect(r.body.step_dependencies).toEqual({ [a]: [], [b]: [] });
    expect((await v1.call('GET', `/tasks?run_id=${r.body.id}`)).body.map((t: any) => t.id)).toEqual([a, b]);
    expect((await v1.call('POST', '/workflow-runs', {})).status).toBe(422);
    expect((await v1.call('POST', '/workflow-runs', { task_ids: [] })).status).toBe(422);
  });

  it('POST /workflow-runs step_task_overrides: only with a template and empty task_ids; unknown step keys 422; applied to the step task', async () => {
    const r0 = await role();
    const tpl = await template(r0);
    const loose = await task({ role_id: r0, title: 'loose' });
    const o = { plan: { context7_mode: 'force_on', requires_approval: true } };
    const withTasks = await v1.call('POST', '/workflow-runs', { task_ids: [loose], step_task_overrides: o });
    expect(withTasks.status).toBe(422);
    const both = await v1.call('POST', '/workflow-runs', {
      workflow_template_id: tpl,
      task_ids: [loose],
      step_task_overrides: o,
    });
    expect(both.status).toBe(422);
    const unknown = await v1.call('POST', '/workflow-runs', {
      workflow_template_id: tpl,
      step_task_overrides: { nope: { context7_mode: 'force_on' } },
    });
    expect(unknown.status).toBe(422);
    const ok = await v1.call('POST', '/workflow-runs', { workflow_template_id: tpl, step_task_overrides: o });
    expect(ok.status).toBe(200);
    const plan = (await v1.call('GET', `/tasks/${ok.body.task_ids[0]}`)).body;
    expect(plan).toMatchObject({ context7_mode: 'force_on', requires_approval: true });
    expect((await v1.call('GET', `/tasks/${ok.body.task_ids[0]}/approval`)).status).toBe(200);
    expect((await v1.call('GET', `/tasks/${ok.body.task_ids[1]}`)).body.requires_approval).toBe(false);
  });

  it('GET /workflow-runs, /workflow-runs/{id} → WorkflowRunRead; 404 if missing', async () => {
    const r0 = await role();
    const run = (await v1.call('POST', '/workflow-runs', { workflow_template_id: await template(r0) })).body;
    const list = await v1.call('GET', '/workflow-runs');
    expect(list.status).toBe(200);
    const listed = list.body.find((r: { id: number }) => r.id === run.id);
    expect(listed).toMatchObject({ id: run.id, task_ids: run.task_ids, status: 'created' });
    const one = await v1.call('GET', `/workflow-runs/${run.id}`);
    expect(one.status).toBe(200);
    for (const key of [
      'id',
      'workflow_template_id',
      'task_ids',
      'status',
      'initiated_by',
      'created_at',
      'updated_at',
      'step_dependencies',
      'step_artifact_requirements',
      'retry_summary',
      'failure_categories',
      'failure_triage_hints',
      'suggested_next_actions',
      'duration_ms',
      'success_rate',
      'retries_total',
      'per_role',
      'quality_gate_summary',
    ])
      expect(one.body, key).toHaveProperty(key);
    expect((await v1.call('GET', '/workflow-runs/99999')).status).toBe(404);
  });
});

describe('v1 tasks', () => {
  it('POST /tasks → TaskRead status created, event task.created; a gated task gets a pending approval', async () => {
    const r0 = await role();
    const r = await v1.call('POST', '/tasks', { role_id: r0, title: 'standalone', requires_approval: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      role_id: r0,
      title: 'standalone',
      context7_mode: 'inherit',
      execution_mode: 'no-workspace',
      requires_approval: true,
      status: 'created',
    });
    const ev = await v1.call('GET', `/events?task_id=${r.body.id}`);
    const types = ev.body.map((e: { event_type: string }) => e.event_type);
    expect(types).toContain('task.created');
    expect(types).toContain('approval.pending');
  });

  it('POST /tasks/{id}/cancel → the task is canceled (ours: at once, without the runner; compatibility.md "POST /tasks/{id}/cancel")', async () => {
    const r0 = await role();
    // never dispatched: v1 asked the runner, got 404 and left the task as it was
    const idle = await task({ role_id: r0, title: 'idle' });
    const c = await v1.call('POST', `/tasks/${idle}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ id: idle, status: 'canceled' });
    // running on the runner: the runner is told and the task ends canceled
    const busy = await task({ role_id: r0, title: 'busy', ...HANG });
    expect((await v1.call('POST', `/tasks/${busy}/dispatch`)).status).toBe(200);
    await waitFor('running', async () => (await v1.call('GET', `/tasks/${busy}`)).body.status === 'running');
    const c2 = await v1.call('POST', `/tasks/${busy}/cancel`);
    expect(c2.status).toBe(200);
    expect(['canceled', 'cancel-requested']).toContain(c2.body.status);
    await waitFor(
      'canceled',
      async () => (await v1.call('GET', `/tasks/${busy}`)).body.status === 'canceled',
    );
    const types = (await v1.call('GET', `/events?task_id=${busy}`)).body.map((e: any) => e.event_type);
    expect(types).toContain('task.runner_status_updated');
    // terminal: v1 answered 200 unchanged; ours 409 TASK_NOT_CANCELABLE and the task stays as it was
    const again = await v1.call('POST', `/tasks/${idle}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TASK_NOT_CANCELABLE');
    expect((await v1.call('GET', `/tasks/${idle}`)).body.status).toBe('canceled');
  });

  it('POST /tasks/{id}/locks/release → {task_id, released_paths} (the held shared-workspace locks)', async () => {
    const r0 = await role();
    const root = v1.dirFor(`locks-${++seq}`);
    const project = (await v1.call('POST', '/projects', { name: `locks-${seq}`, root_path: root })).body.id;
    const lock = path.join(root, 'src');
    const t = await task({
      role_id: r0,
      title: 'edit src',
      project_id: project,
      execution_mode: 'shared-workspace',
      lock_paths: [lock],
      ...HANG,
    });
    expect((await v1.call('POST', `/tasks/${t}/dispatch`)).status).toBe(200);
    const rel = await v1.call('POST', `/tasks/${t}/locks/release`);
    expect(rel.status).toBe(200);
    expect(rel.body).toEqual({ task_id: t, released_paths: [lock] });
    const ev = await v1.call('GET', `/events?task_id=${t}&event_type=task.locks_released`);
    expect(ev.body).toHaveLength(1);
    expect((await v1.call('POST', `/tasks/${t}/locks/release`)).body.released_paths).toEqual([]);
    expect((await v1.call('POST', '/tasks/99999/locks/release')).status).toBe(404);
    await v1.call('POST', `/tasks/${t}/cancel`);
  });

  it('GET /tasks/{id}/approval → ApprovalRead for a gated task; 404 if the task has no gate', async () => {
    const r0 = await role();
    const gated = await task({ role_id: r0, title: 'gated', requires_approval: true });
    const a = await v1.call('GET', `/tasks/${gated}/approval`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ task_id: gated, status: 'pending', decided_by: null, comment: null });
    const open = await task({ role_id: r0, title: 'open' });
    const none = await v1.call('GET', `/tasks/${open}/approval`);
    expect(none.status).toBe(404);
    expect(typeof none.body.detail).toBe('string');
  });
});

describe('v1 runner callback', () => {
  it('POST /runner/tasks/{id}/status without a token (none configured) → TaskRead; a handoff on a non-terminal status is 422', async () => {
    const r0 = await role();
    const t = await task({ role_id: r0, title: 'reported', ...HANG });
    expect((await v1.call('POST', `/tasks/${t}/dispatch`)).status).toBe(200);
    const running = await v1.call('POST', `/runner/tasks/${t}/status`, {
      status: 'running',
      message: 'started',
      started_at: new Date().toISOString(),
    });
    expect(running.status).toBe(200);
    expect(running.body).toMatchObject({ id: t, status: 'running' });
    expect(running.body.started_at).toBeTruthy();
    const bad = await v1.call('POST', `/runner/tasks/${t}/status`, {
      status: 'running',
      handoff: { summary: 'too early' },
    });
    expect(bad.status).toBe(422);
    const done = await v1.call('POST', `/runner/tasks/${t}/status`, {
      status: 'success',
      exit_code: 0,
      finished_at: new Date().toISOString(),
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: t, status: 'success', exit_code: 0 });
    expect(done.body.finished_at).toBeTruthy();
    const wrong = await v1.call('POST', `/runner/tasks/${t}/status`, { status: 'exploded' });
    expect(wrong.status).toBe(422);
  });
});

describe('v1 approvals', () => {
  async function gate(): Promise<{ task: number; approval: number }> {
    const r0 = await role();
    const t = await task({ role_id: r0, title: 'needs a yes', requires_approval: true });
    return { task: t, approval: (await v1.call('GET', `/tasks/${t}/approval`)).body.id };
  }

  it('GET /approvals/{id} → ApprovalRead{id, task_id, status, decided_by, comment}; 404 if missing', async () => {
    const g = await gate();
    const r = await v1.call('GET', `/approvals/${g.approval}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: g.approval,
      task_id: g.task,
      status: 'pending',
      decided_by: null,
      comment: null,
    });
    expect((await v1.call('GET', '/approvals/99999')).status).toBe(404);
  });

  it('POST /approvals/{id}/approve → approved with the optional {actor, comment}; no body works; the task can be dispatched', async () => {
    const g = await gate();
    const r = await v1.call('POST', `/approvals/${g.approval}/approve`, { actor: 'alice', comment: 'go' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: g.approval, status: 'approved', decided_by: 'alice', comment: 'go' });
    const ev = await v1.call('GET', `/events?task_id=${g.task}&event_type=approval.approved`);
    expect(ev.body).toHaveLength(1);
    const bare = await gate();
    const r2 = await v1.call('POST', `/approvals/${bare.approval}/approve`);
    expect(r2.status).toBe(200);
    expect(r2.body).toMatchObject({ status: 'approved', decided_by: null });
    // approving again is fine (same answer)
    expect((await v1.call('POST', `/approvals/${bare.approval}/approve`)).body.status).toBe('approved');
    expect((await v1.call('POST', `/tasks/${g.task}/dispatch`)).status).toBe(200);
  });

  it('POST /approvals/{id}/reject → rejected; ours cancels the task and is final (compatibility.md "POST /approvals/{id}/approve, /reject")', async () => {
    const g = await gate();
    const r = await v1.call('POST', `/approvals/${g.approval}/reject`, { actor: 'bob', comment: 'no' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: g.approval, status: 'rejected', decided_by: 'bob', comment: 'no' });
    expect(
      (await v1.call('GET', `/events?task_id=${g.task}&event_type=approval.rejected`)).body,
    ).toHaveLength(1);
    // v1 left the task created forever and let the decision flip; ours cancels it and keeps the rejection
    expect((await v1.call('GET', `/tasks/${g.task}`)).body.status).toBe('canceled');
    const flip = await v1.call('POST', `/approvals/${g.approval}/approve`);
    expect(flip.status).toBe(409);
    expect(flip.body.code).toBe('APPROVAL_ALREADY_DECIDED');
  });
});

describe('v1 list filters: limit = the last N in insertion order', () => {
  it('GET /events?run_id&task_id&event_type&limit → filtered, last N', async () => {
    const r0 = await role();
    const t = await task({ role_id: r0, title: 'noisy' });
    for (let i = 0; i < 4; i++)
      expect(
        (await v1.call('POST', '/events', { event_type: 'rows.probe', task_id: t, payload: { i } })).status,
      ).toBe(200);
    const all = (await v1.call('GET', `/events?task_id=${t}&event_type=rows.probe`)).body;
    expect(all.map((e: any) => e.payload.i)).toEqual([0, 1, 2, 3]);
    const last = (await v1.call('GET', `/events?task_id=${t}&event_type=rows.probe&limit=2`)).body;
    expect(last.map((e: any) => e.payload.i)).toEqual([2, 3]);
    const mine = (await v1.call('GET', `/events?task_id=${t}`)).body;
    expect(mine.every((e: any) => e.task_id === t)).toBe(true);
    const run = (await v1.call('POST', '/workflow-runs', { workflow_template_id: await template(r0) })).body;
    const byRun = (await v1.call('GET', `/events?run_id=${run.id}`)).body;
    expect(byRun.length).toBeGreaterThan(0);
    expect(byRun.every((e: any) => e.run_id === run.id)).toBe(true);
    expect((await v1.call('GET', '/events?limit=1')).body).toHaveLength(1);
  });

  it('GET /artifacts?run_id&task_id&artifact_type&limit → filtered, last N', async () => {
    const r0 = await role();
    const t = await task({ role_id: r0, title: 'producer' });
    for (const [i, type] of ['text', 'report', 'text', 'diff'].entries())
      expect(
        (
          await v1.call('POST', '/artifacts', {
            artifact_type: type,
            location: `/tmp/rows-${i}`,
            summary: `art ${i}`,
            producer_task_id: t,
          })
        ).status,
      ).toBe(200);
    const list = async (q: string) =>
      (await v1.call('GET', `/artifacts?task_id=${t}${q}`)).body.map((a: any) => a.summary);
    expect(await list('')).toEqual(['art 0', 'art 1', 'art 2', 'art 3']);
    expect(await list('&limit=2')).toEqual(['art 2', 'art 3']);
    expect(await list('&artifact_type=text')).toEqual(['art 0', 'art 2']);
    expect(await list('&artifact_type=text&limit=1')).toEqual(['art 2']);
  });

  it('GET /handoffs?run_id&task_id&limit → last N by updated_at', async () => {
    const r0 = await role();
    const done: number[] = [];
    // the runner's agent writes each handoff (the mock's script); one task after the other
    for (const s of ['h-a', 'h-b', 'h-c']) {
      const t = await task({ role_id: r0, title: s, executor_params: { mock: { handoff: { summary: s } } } });
      expect((await v1.call('POST', `/tasks/${t}/dispatch`)).status).toBe(200);
      await waitFor(
        `${s} success`,
        async () => (await v1.call('GET', `/tasks/${t}`)).body.status === 'success',
      );
      done.push(t);
    }
    const last = (await v1.call('GET', '/handoffs?limit=2')).body;
    expect(last.map((h: any) => h.summary)).toEqual(['h-b', 'h-c']);
    const one = (await v1.call('GET', `/handoffs?task_id=${done[0]}`)).body;
    expect(one.map((h: any) => [h.task_id, h.summary])).toEqual([[done[0], 'h-a']]);
    const r = (await v1.call('POST', '/workflow-runs', { workflow_template_id: await template(r0) })).body;
    expect((await v1.call('GET', `/handoffs?run_id=${r.id}`)).body).toEqual([]);
  });
});
