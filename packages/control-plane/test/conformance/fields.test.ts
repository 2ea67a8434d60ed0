import { beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { waitFor } from '../helpers/procs.js';
import { v1Stack } from './v1Stack.js';

/**
 * shared/reference/first-version.md §1 "Tasks" (dispatch, audit, handoff), "Runner callback",
 * "Events, artifacts, handoffs", §2 (TaskRead, WorkflowRunRead, TaskAudit, EventRead, ArtifactRead,
 * HandoffRead) and the CORS note of §1, as a first-version client sees them over HTTP.
 */
const v1 = v1Stack();

let roleOn = 0;
let projectId = 0;
let root = '';
/** A task the mock agent keeps running (hang), so callbacks can speak for it as a v1 runner did. */
let held = 0;

async function statusOf(id: number): Promise<string> {
  return (await v1.call('GET', `/tasks/${id}`)).body.status;
}

beforeAll(async () => {
  root = v1.dirFor('fields');
  roleOn = (await v1.call('POST', '/roles', { name: 'writer', context7_enabled: true })).body.id;
  projectId = (await v1.call('POST', '/projects', { name: 'fields', root_path: root, allowed_paths: [root] }))
    .body.id;
  held = (
    await v1.call('POST', '/tasks', {
      role_id: roleOn,
      title: 'hold',
      executor_params: { mock: { hang: true } },
    })
  ).body.id;
  expect((await v1.call('POST', `/tasks/${held}/dispatch`)).status).toBe(200);
  await waitFor('held task running', async () => (await statusOf(held)) === 'running');
}, 60_000);

describe('v1 tasks: dispatch, audit, handoff', () => {
  it('POST /tasks/{id}/dispatch → DispatchResponse with resolved Context7 and v1 runner_payload fields', async () => {
    const lock = `${root}/src`;
    const id = (
      await v1.call('POST', '/tasks', {
        role_id: roleOn,
        title: 'write docs',
        context7_mode: 'force_off',
        execution_mode: 'shared-workspace',
        project_id: projectId,
        lock_paths: [lock],
      })
    ).body.id;
    const d = await v1.call('POST', `/tasks/${id}/dispatch`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ task_id: id, resolved_context7_enabled: false });
    expect(d.body.runner_payload).toMatchObject({
      task_id: id,
      role_id: roleOn,
      title: 'write docs',
      execution_mode: 'shared-workspace',
      role_skill_packs: [],
      context: { provider: 'context7', enabled: false },
      workspace: { project_id: projectId, project_root: root, lock_paths: [lock] },
      consumed_artifact_ids: [],
    });
    expect(d.body.runner_submission).toMatchObject({
      submitted: true,
      runner_task_status: expect.any(String),
    });
    expect(typeof d.body.runner_submission.runner_url).toBe('string');
    expect(typeof d.body.runner_submission.message).toBe('string');
  });

  it('GET /tasks/{id}/audit → every TaskAudit field', async () => {
    const a = await v1.call('GET', `/tasks/${held}/audit`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      task_id: held,
      role_id: roleOn,
      context7_mode: 'inherit',
      role_context7_enabled: true,
      resolved_context7_enabled: true,
      execution_mode: 'no-workspace',
      requires_approval: false,
      approval_status: null,
      workflow_run_id: null,
      task_run_id: `standalone:task-${held}`,
      project_id: null,
      lock_paths: [],
      worktree_path: null,
      git_branch: null,
      worktree_cleanup_attempted: false,
      worktree_cleanup_succeeded: null,
      worktree_cleanup_message: null,
      worktree_cleanup_at: null,
      sandbox_image: null,
      sandbox_workdir: null,
      sandbox_container_id: null,
      sandbox_exit_code: null,
      sandbox_error: null,
      handoff: null,
      consumed_artifact_ids: [],
      produced_artifact_ids: [],
      retry_attempts: 0,
      last_retry_reason: null,
      failure_categories: [],
      failure_triage_hints: [],
      rerun_count: 0,
      last_rerun_by: null,
      last_rerun_reason: null,
      last_rerun_at: null,
    });
    const events = (await v1.call('GET', `/events?task_id=${held}`)).body as Array<{ id: number }>;
    expect(a.body.recent_event_ids).toEqual(events.map((e) => e.id));
  });

  it('GET /tasks/{id}/handoff → 404 while the task has none', async () => {
    const h = await v1.call('GET', `/tasks/${held}/handoff`);
    expect(h.status).toBe(404);
    expect(typeof h.body.detail).toBe('string');
  });

  it('GET /tasks/{id} → TaskRead with runner_message and the triage fields', async () => {
    const t = (await v1.call('GET', `/tasks/${held}`)).body;
    for (const k of [
      'id',
      'role_id',
      'title',
      'context7_mode',
      'execution_mode',
      'status',
      'requires_approval',
      'project_id',
      'lock_paths',
      'sandbox',
      'runner_message',
      'started_at',
      'finished_at',
      'exit_code',
      'failure_category',
      'failure_triage_hints',
      'suggested_next_actions',
      'quality_gate_policy',
      'quality_gate_summary',
    ])
      expect(t, k).toHaveProperty(k);
    expect(t).not.toHaveProperty('stdout');
  });
});

describe('v1 events, artifacts, handoffs and the runner callback', () => {
  let artifactId = 0;

  it('POST /events → contract_version other than v1 is 422; v1 answers EventRead', async () => {
    const bad = await v1.call('POST', '/events', {
      contract_version: 'v2',
      event_type: 'bridge.note',
      task_id: held,
    });
    expect(bad.status).toBe(422);
    const ok = await v1.call('POST', '/events', {
      contract_version: 'v1',
      event_type: 'bridge.note',
      task_id: held,
      payload: { n: 1 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      id: expect.any(Number),
      contract_version: 'v1',
      event_type: 'bridge.note',
      run_id: null,
      task_id: held,
      producer_role: 'system',
      payload: { n: 1 },
      created_at: expect.any(String),
    });
  });

  it('GET /events → EventRead records with contract_version, run_id and task_id', async () => {
    const list = (await v1.call('GET', `/events?task_id=${held}&limit=200`)).body as any[];
    expect(list.length).toBeGreaterThan(1);
    for (const e of list)
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining([
          'id',
          'contract_version',
          'event_type',
          'run_id',
          'task_id',
          'producer_role',
          'payload',
          'created_at',
        ]),
      );
    expect(list.every((e) => e.contract_version === 'v1' && e.task_id === held)).toBe(true);
  });

  it('POST /artifacts → contract_version other than v1 is 422; task_id defaults to the producer', async () => {
    const bad = await v1.call('POST', '/artifacts', {
      contract_version: 'v0',
      artifact_type: 'report',
      location: '/r.md',
      summary: 'r',
      producer_task_id: held,
    });
    expect(bad.status).toBe(422);
    const ok = await v1.call('POST', '/artifacts', {
      contract_version: 'v1',
      artifact_type: 'report',
      location: '/r.md',
      summary: 'the report',
      producer_task_id: held,
      metadata: { label: 'spec' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      contract_version: 'v1',
      artifact_type: 'report',
      location: '/r.md',
      summary: 'the report',
      producer_task_id: held,
      run_id: null,
      task_id: held,
      metadata: { label: 'spec' },
      created_at: expect.any(String),
    });
    artifactId = ok.body.id;
    const audit = (await v1.call('GET', `/tasks/${held}/audit`)).body;
    expect(audit.produced_artifact_ids).toEqual([artifactId]);
  });

  it('GET /artifacts → ArtifactRead records carry contract_version, run_id and task_id', async () => {
    const list = (await v1.call('GET', `/artifacts?task_id=${held}`)).body as any[];
    expect(list.map((a) => a.id)).toEqual([artifactId]);
    expect(list[0]).toMatchObject({
      contract_version: 'v1',
      run_id: null,
      task_id: held,
      producer_task_id: held,
    });
  });

  it('POST /runner/tasks/{id}/status → a handoff naming an unknown artifact is 422 and changes nothing', async () => {
    const before = {
      task: (await v1.call('GET', `/tasks/${held}`)).body,
      attempts: (await v1.call('GET', `/tasks/${held}/audit`)).body.attempts,
      events: (await v1.call('GET', `/events?task_id=${held}`)).body,
    };
    const bad = await v1.call('POST', `/runner/tasks/${held}/status`, {
      status: 'success',
      exit_code: 0,
      handoff: { summary: 'done', artifacts: [{ artifact_id: 999_999, is_required: true }] },
    });
    expect(bad.status).toBe(422);
    const early = await v1.call('POST', `/runner/tasks/${held}/status`, {
      status: 'running',
      handoff: { summary: 'not yet' },
    });
    expect(early.status).toBe(422);
    expect((await v1.call('GET', `/tasks/${held}`)).body).toEqual(before.task);
    expect((await v1.call('GET', `/tasks/${held}/audit`)).body.attempts).toEqual(before.attempts);
    expect((await v1.call('GET', `/events?task_id=${held}`)).body).toEqual(before.events);
  });

  it('POST /runner/tasks/{id}/status → a terminal callback with a valid handoff answers TaskRead; GET /tasks/{id}/handoff answers it', async () => {
    const ok = await v1.call('POST', `/runner/tasks/${held}/status`, {
      status: 'success',
      exit_code: 0,
      message: 'done by hand',
      handoff: {
        summary: 'done',
        next_actions: ['ship'],
        artifacts: [{ artifact_id: artifactId, is_required: true, note: 'read me' }],
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: held, status: 'success', runner_message: 'done by hand' });
    const h = await v1.call('GET', `/tasks/${held}/handoff`);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({
      task_id: held,
      run_id: null,
      summary: 'done',
      next_actions: ['ship'],
      open_questions: [],
      artifacts: [{ artifact_id: artifactId, is_required: true, note: 'read me' }],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await v1.call('GET', `/tasks/${held}/audit`)).body.handoff).toMatchObject({ summary: 'done' });
  });

  it('GET /handoffs → HandoffRead records', async () => {
    const list = (await v1.call('GET', `/handoffs?task_id=${held}`)).body as any[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      task_id: held,
      run_id: null,
      summary: 'done',
      details: null,
      artifacts: [{ artifact_id: artifactId, is_required: true, note: 'read me' }],
      updated_at: expect.any(String),
    });
  });
});

describe('v1 workflow run view', () => {
  it('GET /workflow-runs/{id} → WorkflowRunRead with step maps by task id, retries and per-role figures', async () => {
    const tpl = await v1.call('POST', '/workflow-templates', {
      name: 'fields-run',
      steps: [
        { step_id: 'a', role_id: roleOn, title: 'A' },
        {
          step_id: 'b',
          role_id: roleOn,
          title: 'B',
          depends_on: ['a'],
          required_artifacts: [{ from_step_id: 'a' }],
        },
      ],
    });
    const run = (await v1.call('POST', '/workflow-runs', { workflow_template_id: tpl.body.id })).body;
    const [a, b] = run.task_ids;
    const v = (await v1.call('GET', `/workflow-runs/${run.id}`)).body;
    expect(v).toMatchObject({
      id: run.id,
      workflow_template_id: tpl.body.id,
      task_ids: [a, b],
      status: 'created',
      step_dependencies: { [a]: [], [b]: [a] },
      step_artifact_requirements: {
        [a]: [],
        [b]: [{ from_task_ids: [a], artifact_type: null, label: null }],
      },
      retries_total: 0,
      retry_summary: { total_retries: 0, retried_task_ids: [] },
      failure_categories: [],
      failure_triage_hints: [],
      suggested_next_actions: [],
    });
    expect(v.per_role[0]).toMatchObject({
      role_id: roleOn,
      task_count: 2,
      successful_tasks: 0,
      failed_tasks: 0,
      throughput_tasks: 0,
      retries_total: 0,
    });
    for (const k of [
      'created_at',
      'updated_at',
      'initiated_by',
      'duration_ms',
      'success_rate',
      'quality_gate_summary',
    ])
      expect(v, k).toHaveProperty(k);
  });
});

describe('v1 CORS', () => {
  const raw = (method: string, path: string, headers: Record<string, string>) =>
    request(`${v1.base}${path}`, { method: method as 'GET', headers }).then(async (r) => {
      await r.body.text();
      return { status: r.statusCode, headers: r.headers };
    });

  it('a localhost page (any port) gets its preflight answered, without credentials', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000']) {
      const r = await raw('OPTIONS', '/workflow-runs', {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe(origin);
      expect(String(r.headers['access-control-allow-methods'])).toContain('POST');
      expect(String(r.headers['access-control-allow-headers'])).toMatch(
        /authorization.*content-type|content-type.*authorization/,
      );
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
      const simple = await raw('GET', '/health', { origin });
      expect(simple.headers['access-control-allow-origin']).toBe(origin);
    }
  });

  it('an unknown origin is refused: 400 on preflight, no ACAO on simple requests', async () => {
    const pre = await raw('OPTIONS', '/workflow-runs', {
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
    });
    expect(pre.status).toBe(400);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await raw('GET', '/health', { origin: 'http://evil.example' });
    expect(simple.status).toBe(200);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});
