/**
 * The assistant façade in-process (first version §1 "Assistant intents"): shapes, the machine summary,
 * and that it works through the same services (runs, dispatch, approvals, readiness).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { registerRunner, report } from '../helpers/fixtures.js';

const SUMMARY_KEYS = [
  'contract_version',
  'phase',
  'run_id',
  'workflow_template_id',
  'workflow_status',
  'total_tasks',
  'task_status_counts',
  'ready_task_ids',
  'blocked_by_approval_task_ids',
  'terminal_task_ids',
  'failed_task_ids',
  'produced_artifact_ids',
  'handoff_task_ids',
  'planned_step_ids',
  'planned_approval_step_ids',
  'recent_event_types',
];

describe('assistant intents (v1 surface, in-process)', () => {
  let t: TestApi;
  let templateId: number;
  beforeEach(async () => {
    t = await makeTestApi();
    await registerRunner(t);
    const role = (await call(t.app, 'POST', '/roles', { name: 'writer' })).body.id;
    templateId = (
      await call(t.app, 'POST', '/workflow-templates', {
        name: 'article',
        steps: [
          { step_id: 'draft', role_id: role, title: 'Draft' },
          { step_id: 'edit', role_id: role, title: 'Edit', depends_on: ['draft'] },
          { step_id: 'legal', role_id: role, title: 'Legal review', requires_approval: true },
        ],
      })
    ).body.id;
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('plan: steps with resolved task config and a plan summary; nothing is created', async () => {
    const r = await call(t.app, 'POST', '/assistant/intents/plan', {
      workflow_template_id: templateId,
      step_task_overrides: { edit: { title: 'Edit carefully' } },
    });
    expect(r.status).toBe(200);
    expect(r.body.workflow_template_id).toBe(templateId);
    expect(r.body.initiated_by).toBe('assistant');
    expect(r.body.steps.map((s: any) => [s.step_id, s.title, s.depends_on])).toEqual([
      ['draft', 'Draft', []],
      ['edit', 'Edit carefully', ['draft']],
      ['legal', 'Legal review', []],
    ]);
    expect(r.body.steps[0].quality_gate_policy.required_checks[0]).toMatchObject({ check: 'task-status' });
    expect(r.body.steps[2].task_config).toMatchObject({
      context7_mode: 'inherit',
      execution_mode: 'no-workspace',
      requires_approval: true,
    });
    expect(Object.keys(r.body.machine_summary).sort()).toEqual([...SUMMARY_KEYS].sort());
    expect(r.body.machine_summary).toMatchObject({
      contract_version: 'v1',
      phase: 'plan',
      run_id: null,
      total_tasks: 3,
      task_status_counts: { planned: 3 },
      planned_step_ids: ['draft', 'edit', 'legal'],
      planned_approval_step_ids: ['legal'],
    });
    expect((await call(t.app, 'GET', '/workflow-runs')).body).toEqual([]);
    const bad = await call(t.app, 'POST', '/assistant/intents/plan', {
      workflow_template_id: templateId,
      step_task_overrides: { nope: {} },
    });
    expect(bad.status).toBe(422);
    expect((await call(t.app, 'POST', '/assistant/intents/plan', { workflow_template_id: 99 })).status).toBe(
      404,
    );
  });

  it('start: creates the run, dispatches every ready task, reports gated ones as blocked by approval', async () => {
    const r = await call(t.app, 'POST', '/assistant/intents/start', {
      workflow_template_id: templateId,
      initiated_by: 'chat',
    });
    expect(r.status).toBe(200);
    const [draft, edit, legal] = r.body.run.task_ids;
    expect(r.body.run.initiated_by).toBe('chat');
    expect(r.body.dispatches.map((d: any) => [d.task_id, d.runner_submission.submitted])).toEqual([
      [draft, true],
    ]);
    expect(r.body.blocked_by_approval_task_ids).toEqual([legal]);
    expect(r.body.steps).toHaveLength(3);
    expect(r.body.machine_summary).toMatchObject({
      phase: 'start',
      run_id: r.body.run.id,
      workflow_status: 'running',
      total_tasks: 3,
      task_status_counts: { queued: 1, created: 2 },
      ready_task_ids: [],
      blocked_by_approval_task_ids: [legal],
    });
    const blockedEvents = (
      await call(t.app, 'GET', `/events?run_id=${r.body.run.id}&event_type=task.dispatch_blocked_by_approval`)
    ).body;
    expect(blockedEvents.map((e: any) => [e.task_id, e.payload.status])).toEqual([[legal, 'pending']]);
    expect(edit).toBeGreaterThan(draft);

    const held = await call(t.app, 'POST', '/assistant/intents/start', {
      workflow_template_id: templateId,
      dispatch_ready: false,
    });
    expect(held.body.dispatches).toEqual([]);
    expect(held.body.machine_summary.ready_task_ids).toEqual([held.body.run.task_ids[0]]);
  });

  it('status and report: run, tasks, events, artifacts, handoffs with limits, and the summary', async () => {
    const s = await call(t.app, 'POST', '/assistant/intents/start', { workflow_template_id: templateId });
    const runId = s.body.run.id;
    const [draft, edit] = s.body.run.task_ids;
    const art = await call(t.app, 'POST', '/artifacts', {
      artifact_type: 'text',
      location: 'draft.md',
      summary: 'the draft',
      producer_task_id: draft,
      run_id: runId,
    });
    expect(art.status).toBe(200);
    await report(t, draft, {
      status: 'success',
      attempt: 1,
      exit_code: 0,
      handoff: { summary: 'draft done', artifacts: [{ artifact_id: art.body.id, is_required: true }] },
    });

    const st = await call(t.app, 'POST', '/assistant/intents/status', { run_id: runId });
    expect(st.status).toBe(200);
    expect(st.body.tasks.map((x: any) => x.id)).toEqual(s.body.run.task_ids);
    expect(st.body.machine_summary).toMatchObject({
      phase: 'status',
      ready_task_ids: [edit],
      terminal_task_ids: [draft],
      produced_artifact_ids: [art.body.id],
      handoff_task_ids: [draft],
    });
    expect(st.body.machine_summary.recent_event_types).toContain('task.runner_status_updated');
    const noTasks = await call(t.app, 'POST', '/assistant/intents/status', {
      run_id: runId,
      include_tasks: false,
    });
    expect(noTasks.body.tasks).toEqual([]);

    const rep = await call(t.app, 'POST', '/assistant/intents/report', { run_id: runId, event_limit: 2 });
    expect(rep.status).toBe(200);
    expect(rep.body.events).toHaveLength(2);
    const all = (await call(t.app, 'GET', `/events?run_id=${runId}&limit=1000`)).body;
    expect(rep.body.events.map((e: any) => e.id)).toEqual(all.slice(-2).map((e: any) => e.id));
    expect(rep.body.artifacts.map((a: any) => a.id)).toEqual([art.body.id]);
    expect(rep.body.handoffs.map((h: any) => [h.task_id, h.summary])).toEqual([[draft, 'draft done']]);
    expect(rep.body.machine_summary.phase).toBe('report');
    expect(rep.body.machine_summary.recent_event_types).toEqual([
      ...new Set(rep.body.events.map((e: any) => e.event_type)),
    ]);

    expect((await call(t.app, 'POST', '/assistant/intents/status', { run_id: 999 })).status).toBe(404);
    expect(
      (await call(t.app, 'POST', '/assistant/intents/report', { run_id: runId, event_limit: 0 })).status,
    ).toBe(422);
  });

  it('start: a ready task whose dispatch is refused (runners full) stays ready; the run stands', async () => {
    const small = await makeTestApi();
    try {
      await registerRunner(small, 'tiny', 1);
      const role = (await call(small.app, 'POST', '/roles', { name: 'w' })).body.id;
      const tpl = (
        await call(small.app, 'POST', '/workflow-templates', {
          name: 'two roots',
          steps: [
            { step_id: 'a', role_id: role, title: 'A' },
            { step_id: 'b', role_id: role, title: 'B' },
          ],
        })
      ).body.id;
      const r = await call(small.app, 'POST', '/assistant/intents/start', { workflow_template_id: tpl });
      expect(r.status).toBe(200);
      const [a, b] = r.body.run.task_ids;
      expect(r.body.dispatches.map((d: any) => d.task_id)).toEqual([a]);
      expect(r.body.dispatch_errors).toEqual([
        expect.objectContaining({ task_id: b, code: 'NO_RUNNER_AVAILABLE' }),
      ]);
      expect(r.body.machine_summary.ready_task_ids).toEqual([b]);
    } finally {
      await small.close();
    }
  });
});
