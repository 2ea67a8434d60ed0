import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Assistant intents": the four rows of the chat-friendly
 * façade, each answering with the `AssistantMachineSummary` (contract_version "v1").
 */
const v1 = v1Stack();

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

async function template() {
  const role = (await v1.call('POST', '/roles', { name: `writer-${Math.random()}` })).body.id;
  const tpl = await v1.call('POST', '/workflow-templates', {
    name: `article-${Math.random()}`,
    steps: [
      { step_id: 'draft', role_id: role, title: 'Draft', depends_on: [] },
      { step_id: 'edit', role_id: role, title: 'Edit', depends_on: ['draft'] },
      { step_id: 'legal', role_id: role, title: 'Legal', depends_on: [], requires_approval: true },
    ],
  });
  expect(tpl.status).toBe(200);
  return tpl.body.id as number;
}

describe('v1 assistant intents', () => {
  it('POST /assistant/intents/plan → steps with task_config and a plan machine_summary; no state change', async () => {
    const id = await template();
    const before = (await v1.call('GET', '/workflow-runs')).body.length;
    const r = await v1.call('POST', '/assistant/intents/plan', { workflow_template_id: id });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ workflow_template_id: id, initiated_by: 'assistant' });
    for (const s of r.body.steps)
      for (const k of [
        'step_id',
        'role_id',
        'title',
        'depends_on',
        'required_artifacts',
        'quality_gate_policy',
        'task_config',
      ])
        expect(s, k).toHaveProperty(k);
    expect(Object.keys(r.body.machine_summary).sort()).toEqual([...SUMMARY_KEYS].sort());
    expect(r.body.machine_summary).toMatchObject({
      contract_version: 'v1',
      phase: 'plan',
      workflow_template_id: id,
      total_tasks: 3,
      planned_step_ids: ['draft', 'edit', 'legal'],
      planned_approval_step_ids: ['legal'],
    });
    expect((await v1.call('GET', '/workflow-runs')).body.length).toBe(before);
    expect((await v1.call('POST', '/assistant/intents/plan', { workflow_template_id: 987654 })).status).toBe(
      404,
    );
  });

  it('POST /assistant/intents/start → run created, ready tasks dispatched, gated ones blocked by approval', async () => {
    const id = await template();
    const r = await v1.call('POST', '/assistant/intents/start', { workflow_template_id: id });
    expect(r.status).toBe(200);
    const [draft, , legal] = r.body.run.task_ids;
    expect(r.body.steps).toHaveLength(3);
    expect(r.body.dispatches.map((d: any) => d.task_id)).toEqual([draft]);
    expect(r.body.dispatches[0]).toHaveProperty('runner_submission');
    expect(r.body.blocked_by_approval_task_ids).toEqual([legal]);
    expect(r.body.machine_summary).toMatchObject({
      contract_version: 'v1',
      phase: 'start',
      run_id: r.body.run.id,
      blocked_by_approval_task_ids: [legal],
    });
    const ev = await v1.call(
      'GET',
      `/events?run_id=${r.body.run.id}&event_type=task.dispatch_blocked_by_approval`,
    );
    expect(ev.body.map((e: any) => e.task_id)).toEqual([legal]);
  });

  it('POST /assistant/intents/status → run, tasks and a status machine_summary', async () => {
    const id = await template();
    const s = (await v1.call('POST', '/assistant/intents/start', { workflow_template_id: id })).body;
    const [draft, edit] = s.run.task_ids;
    // The mock agent finishes the draft; the edit becomes ready.
    await waitFor(
      'draft done',
      async () => (await v1.call('GET', `/tasks/${draft}`)).body.status === 'success',
      30_000,
    );
    const r = await v1.call('POST', '/assistant/intents/status', { run_id: s.run.id });
    expect(r.status).toBe(200);
    expect(r.body.run.id).toBe(s.run.id);
    expect(r.body.tasks.map((t: any) => t.id)).toEqual(s.run.task_ids);
    expect(r.body.machine_summary).toMatchObject({
      phase: 'status',
      ready_task_ids: [edit],
      terminal_task_ids: [draft],
      task_status_counts: { success: 1, created: 2 },
    });
    const lean = await v1.call('POST', '/assistant/intents/status', {
      run_id: s.run.id,
      include_tasks: false,
    });
    expect(lean.body.tasks).toEqual([]);
    expect((await v1.call('POST', '/assistant/intents/status', { run_id: 987654 })).status).toBe(404);
  });

  it('POST /assistant/intents/report → run, tasks, last events/artifacts/handoffs within limits, report summary', async () => {
    const id = await template();
    const s = (await v1.call('POST', '/assistant/intents/start', { workflow_template_id: id })).body;
    const [draft] = s.run.task_ids;
    await waitFor(
      'draft done',
      async () => (await v1.call('GET', `/tasks/${draft}`)).body.status === 'success',
      30_000,
    );
    const art = await v1.call('POST', '/artifacts', {
      contract_version: 'v1',
      artifact_type: 'text',
      location: 'notes.md',
      summary: 'notes',
      producer_task_id: draft,
      run_id: s.run.id,
    });
    expect(art.status).toBe(200);
    const r = await v1.call('POST', '/assistant/intents/report', { run_id: s.run.id, event_limit: 3 });
    expect(r.status).toBe(200);
    for (const k of ['run', 'tasks', 'events', 'artifacts', 'handoffs', 'machine_summary'])
      expect(r.body).toHaveProperty(k);
    expect(r.body.events).toHaveLength(3);
    const all = (await v1.call('GET', `/events?run_id=${s.run.id}&limit=1000`)).body;
    expect(r.body.events.map((e: any) => e.id)).toEqual(all.slice(-3).map((e: any) => e.id));
    expect(r.body.artifacts.map((a: any) => a.id)).toContain(art.body.id);
    expect(r.body.machine_summary).toMatchObject({ phase: 'report', run_id: s.run.id });
    expect(r.body.machine_summary.produced_artifact_ids).toContain(art.body.id);
    expect(
      (await v1.call('POST', '/assistant/intents/report', { run_id: s.run.id, handoff_limit: 1001 })).status,
    ).toBe(422);
  });
});
