import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCorsOrigins } from '../../src/config/api.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { H, registerRunner, report, startRun } from '../helpers/fixtures.js';

/** The first version's fields of payloads, audits, events, artifacts and handoffs (in-process). */
describe('v1 fields', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  const role = async (context7_enabled: boolean) =>
    (await call(t.app, 'POST', '/roles', { name: `r${context7_enabled}`, context7_enabled })).body
      .id as number;
  const project = async (allowed: string[] = []) => {
    const root = path.join(t.dir, 'proj');
    fs.mkdirSync(root, { recursive: true });
    const p = await call(t.app, 'POST', '/projects', {
      name: 'p',
      root_path: root,
      allowed_paths: allowed.map((a) => path.join(root, a)),
    });
    expect(p.status).toBe(200);
    return p.body as { id: number; root_path: string; allowed_paths: string[] };
  };
  const task = async (body: Record<string, unknown>) => {
    const r = await call(t.app, 'POST', '/tasks', { title: 'do it', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.id as number;
  };

  it('resolves Context7 per v1 (inherit follows the role, force_on/force_off win) in the answer and the payload', async () => {
    await registerRunner(t);
    const on = await role(true);
    const off = await role(false);
    const cases: Array<[number, string, boolean]> = [
      [on, 'inherit', true],
      [off, 'inherit', false],
      [off, 'force_on', true],
      [on, 'force_off', false],
    ];
    for (const [role_id, context7_mode, expected] of cases) {
      const id = await task({ role_id, context7_mode });
      const d = await call(t.app, 'POST', `/tasks/${id}/dispatch`);
      expect(d.status).toBe(200);
      expect(d.body.resolved_context7_enabled).toBe(expected);
      expect(d.body.runner_payload).toMatchObject({
        task_id: id,
        role_id,
        role_skill_packs: [],
        title: 'do it',
        execution_mode: 'no-workspace',
        context: { provider: 'context7', enabled: expected },
        context7_enabled: expected,
        consumed_artifact_ids: [],
      });
      expect(t.runner.submits.at(-1)!.body.context).toEqual({ provider: 'context7', enabled: expected });
    }
  });

  it('sends held lock paths in workspace.lock_paths with project_root, as v1 did', async () => {
    await registerRunner(t);
    const p = await project(['src']);
    const lock = path.join(p.root_path, 'src', 'a');
    const id = await task({
      role_id: await role(false),
      execution_mode: 'shared-workspace',
      project_id: p.id,
      lock_paths: [lock],
    });
    const d = await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    expect(d.body.runner_payload.workspace).toMatchObject({
      project_id: p.id,
      project_root: p.root_path,
      lock_paths: [lock],
    });
    expect(d.body.runner_payload.lock_paths).toEqual([lock]);
  });

  it('docker-sandbox without mounts mounts the first allowed path at the workdir (default /workspace/project)', async () => {
    await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'd', url: 'http://127.0.0.1:9/d', capacity: 2, capabilities: ['docker'] },
      H,
    );
    const p = await project(['app', 'docs']);
    const id = await task({
      role_id: await role(false),
      execution_mode: 'docker-sandbox',
      project_id: p.id,
      sandbox: { image: 'alpine:3', command: ['true'] },
    });
    const d = await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(d.body.runner_payload.sandbox).toEqual({
      image: 'alpine:3',
      command: ['true'],
      env: {},
      workdir: '/workspace/project',
      mounts: [{ source: p.allowed_paths[0], target: '/workspace/project', read_only: false }],
    });
    const audit = (await call(t.app, 'GET', `/tasks/${id}/audit`)).body;
    expect(audit).toMatchObject({ sandbox_image: 'alpine:3', sandbox_workdir: '/workspace/project' });
  });

  it('names the consumed artifacts (required_artifacts matched, marked is_required) in the payload and the audit', async () => {
    await registerRunner(t);
    const roleId = await role(false);
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'arts',
      steps: [
        { step_id: 'plan', role_id: roleId, title: 'Plan' },
        {
          step_id: 'build',
          role_id: roleId,
          title: 'Build',
          depends_on: ['plan'],
          required_artifacts: [{ from_step_id: 'plan', artifact_type: 'report', label: 'spec' }],
        },
      ],
    });
    const run = await startRun(t, tpl.body.id);
    const [plan, build] = run.task_ids as [number, number];
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    const art = (p: Record<string, unknown>) =>
      call(t.app, 'POST', '/artifacts', { producer_task_id: plan, location: '/x', ...p });
    const other = (await art({ artifact_type: 'report', metadata: { label: 'notes' } })).body.id;
    const spec = (await art({ artifact_type: 'report', metadata: { labels: ['spec'] } })).body.id;
    const loose = (await art({ artifact_type: 'report', metadata: { label: 'spec' } })).body.id;
    const ok = await report(t, plan, {
      status: 'success',
      attempt: 1,
      handoff: {
        summary: 'planned',
        artifacts: [
          { artifact_id: spec, is_required: true, note: 'the spec' },
          { artifact_id: loose, is_required: false },
          { artifact_id: other, is_required: true },
        ],
      },
    });
    expect(ok.status).toBe(200);
    const d = await call(t.app, 'POST', `/tasks/${build}/dispatch`);
    expect(d.status).toBe(200);
    expect(d.body.runner_payload.consumed_artifact_ids).toEqual([spec]);
    expect((await call(t.app, 'GET', `/tasks/${build}/audit`)).body.consumed_artifact_ids).toEqual([spec]);
    const planAudit = (await call(t.app, 'GET', `/tasks/${plan}/audit`)).body;
    expect(planAudit.produced_artifact_ids).toEqual([other, spec, loose]);
    expect(planAudit.handoff).toMatchObject({
      task_id: plan,
      run_id: run.id,
      summary: 'planned',
      artifacts: expect.arrayContaining([{ artifact_id: spec, is_required: true, note: 'the spec' }]),
    });
    const h = await call(t.app, 'GET', `/tasks/${plan}/handoff`);
    expect(h.body).toMatchObject({ task_id: plan, run_id: run.id, summary: 'planned' });
    expect(h.body.updated_at).toBe(h.body.created_at);
  });

  it('run and task views carry the v1 fields ours lacked (step maps by task id, retries, per-role keys, runner_message)', async () => {
    await registerRunner(t);
    const roleId = await role(false);
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'rv',
      steps: [
        { step_id: 'plan', role_id: roleId, title: 'Plan' },
        {
          step_id: 'build',
          role_id: roleId,
          title: 'Build',
          depends_on: ['plan'],
          required_artifacts: [{ from_step_id: 'plan', artifact_type: 'diff' }],
        },
      ],
    });
    const run = await startRun(t, tpl.body.id);
    const [plan, build] = run.task_ids as [number, number];
    await call(t.app, 'POST', `/tasks/${plan}/dispatch`);
    await report(t, plan, { status: 'failed', attempt: 1, exit_code: 1, message: 'broke' });
    const v = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
    expect(v.step_dependencies).toEqual({ [plan]: [], [build]: [plan] });
    expect(v.step_artifact_requirements).toEqual({
      [plan]: [],
      [build]: [{ from_task_ids: [plan], artifact_type: 'diff', label: null }],
    });
    expect(v.retries_total).toBe(0);
    // v1: `exhausted_task_ids?` — only when some task ran out of retries.
    expect(v.retry_summary).toMatchObject({ total_retries: 0, retried_task_ids: [] });
    expect(v.retry_summary.exhausted_task_ids).toBeUndefined();
    expect(v.per_role).toEqual([
      expect.objectContaining({
        role_id: roleId,
        task_count: 2,
        successful_tasks: 0,
        failed_tasks: 2, // the run failed, so its other task ended canceled
        throughput_tasks: 2, // finished tasks, successful or not (v1Rollup.ts)
        success_rate: 0,
        retries_total: 0,
        duration_ms: null,
      }),
    ]);
    const task = (await call(t.app, 'GET', `/tasks/${plan}`)).body;
    expect(task.runner_message).toBe('broke');
    expect(task.runner_message).toBe(task.message);
  });

  it('GET /tasks/{id}/handoff is 404 while the task has none', async () => {
    const id = await task({ role_id: await role(false) });
    const h = await call(t.app, 'GET', `/tasks/${id}/handoff`);
    expect([h.status, h.body.code]).toEqual([404, 'HANDOFF_NOT_FOUND']);
  });

  it('the audit carries every TaskAudit field of v1', async () => {
    await registerRunner(t);
    const id = await task({ role_id: await role(true), requires_approval: true });
    const approval = (await call(t.app, 'GET', `/tasks/${id}/approval`)).body.id;
    await call(t.app, 'POST', `/approvals/${approval}/approve`, { actor: 'ann' });
    await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    await report(t, id, { status: 'running', attempt: 1 });
    await report(t, id, { status: 'failed', attempt: 1, exit_code: 2, message: 'boom' });
    const a = (await call(t.app, 'GET', `/tasks/${id}/audit`)).body;
    const events = (await call(t.app, 'GET', `/events?task_id=${id}`)).body as Array<{ id: number }>;
    expect(a).toMatchObject({
      task_id: id,
      context7_mode: 'inherit',
      role_context7_enabled: true,
      resolved_context7_enabled: true,
      execution_mode: 'no-workspace',
      requires_approval: true,
      approval_status: 'approved',
      workflow_run_id: null,
      task_run_id: `standalone:task-${id}`,
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
      rerun_count: 0,
      last_rerun_by: null,
      last_rerun_reason: null,
      last_rerun_at: null,
      recent_event_ids: events.map((e) => e.id),
    });
    expect(a.failure_categories.length).toBe(1);
    expect(Array.isArray(a.failure_triage_hints)).toBe(true);
    expect(a).toHaveProperty('last_retry_reason', null);
    expect(a.attempts).toHaveLength(1);
  });

  it('events and artifacts: contract_version other than v1 is 422; reads carry contract_version, run_id, task_id', async () => {
    const id = await task({ role_id: await role(false) });
    const badEvent = await call(t.app, 'POST', '/events', {
      contract_version: 'v2',
      event_type: 'bridge.note',
      task_id: id,
    });
    expect([badEvent.status, badEvent.body.code, badEvent.body.field]).toEqual([
      422,
      'VALIDATION_FAILED',
      'contract_version',
    ]);
    const badArt = await call(t.app, 'POST', '/artifacts', {
      contract_version: 'v0',
      artifact_type: 'text',
      location: 'x',
      producer_task_id: id,
    });
    expect([badArt.status, badArt.body.field]).toEqual([422, 'contract_version']);
    const ev = await call(t.app, 'POST', '/events', {
      contract_version: 'v1',
      event_type: 'bridge.note',
      task_id: id,
    });
    expect(ev.body).toMatchObject({
      contract_version: 'v1',
      task_id: id,
      run_id: null,
      producer_role: 'system',
    });
    const art = await call(t.app, 'POST', '/artifacts', {
      contract_version: 'v1',
      artifact_type: 'text',
      location: 'x',
      summary: 's',
      producer_task_id: id,
      task_id: id,
    });
    expect(art.body).toMatchObject({
      contract_version: 'v1',
      task_id: id,
      producer_task_id: id,
      run_id: null,
    });
    const other = await task({ role_id: await role(true) });
    const mislinked = await call(t.app, 'POST', '/artifacts', {
      artifact_type: 'text',
      location: 'x',
      producer_task_id: id,
      task_id: other,
    });
    expect([mislinked.status, mislinked.body.field]).toEqual([422, 'task_id']);
    const listed = (await call(t.app, 'GET', `/events?task_id=${id}`)).body as any[];
    expect(listed.every((e) => e.contract_version === 'v1' && e.task_id === id)).toBe(true);
  });
});

describe('v1 handoff references on runner reports', () => {
  let t: TestApi;
  afterEach(() => t.close());

  async function dispatched(runnerAuth: boolean) {
    t = await makeTestApi({ runnerAuth });
    await registerRunner(t);
    const roleId = (await call(t.app, 'POST', '/roles', { name: 'r' })).body.id;
    const id = (await call(t.app, 'POST', '/tasks', { role_id: roleId, title: 'x' })).body.id as number;
    const otherId = (await call(t.app, 'POST', '/tasks', { role_id: roleId, title: 'y' })).body.id as number;
    await call(t.app, 'POST', `/tasks/${id}/dispatch`);
    await report(t, id, { status: 'running', attempt: 1 });
    const foreign = (
      await call(t.app, 'POST', '/artifacts', {
        artifact_type: 'text',
        location: 'f',
        producer_task_id: otherId,
      })
    ).body.id as number;
    return { id, foreign };
  }

  it('a first-version report (no attempt) naming an unknown or foreign artifact is 422 and changes nothing', async () => {
    const { id, foreign } = await dispatched(false);
    const before = {
      task: (await call(t.app, 'GET', `/tasks/${id}`)).body,
      audit: (await call(t.app, 'GET', `/tasks/${id}/audit`)).body,
      events: (await call(t.app, 'GET', '/events')).body,
    };
    for (const [artifact_id, code] of [
      [9999, 'UNKNOWN_REFERENCE'],
      [foreign, 'VALIDATION_FAILED'],
    ] as const) {
      const r = await report(t, id, {
        status: 'success',
        exit_code: 0,
        handoff: { summary: 'done', artifacts: [{ artifact_id, is_required: true }] },
      });
      expect([r.status, r.body.code, r.body.field]).toEqual([422, code, 'handoff.artifacts.0.artifact_id']);
    }
    expect((await call(t.app, 'GET', `/tasks/${id}`)).body).toEqual(before.task);
    expect((await call(t.app, 'GET', `/tasks/${id}/audit`)).body.attempts).toEqual(before.audit.attempts);
    expect((await call(t.app, 'GET', '/events')).body).toEqual(before.events);
    const running = await report(t, id, { status: 'running', handoff: { summary: 'early' } });
    expect([running.status, running.body.field]).toEqual([422, 'handoff']);
    const ok = await report(t, id, { status: 'success', exit_code: 0, handoff: { summary: 'done' } });
    expect(ok.body.status).toBe('success');
  });

  it('our runner (names its attempt) keeps its outcome; the bad references are left out and listed', async () => {
    const { id, foreign } = await dispatched(true);
    const r = await report(t, id, {
      status: 'success',
      attempt: 1,
      handoff: { summary: 'done', artifacts: [{ artifact_id: foreign, is_required: true }] },
    });
    expect(r.status).toBe(200);
    const h = (await call(t.app, 'GET', `/tasks/${id}/handoff`)).body;
    expect(h.artifacts).toEqual([]);
    const ev = (await call(t.app, 'GET', `/events?task_id=${id}&event_type=handoff.created`)).body;
    expect(ev[0].payload.ignored_artifact_ids).toEqual([foreign]);
  });
});

describe('CORS', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi({ operatorToken: 'op-token' });
  });
  afterEach(() => t.close());

  const preflight = (origin: string, headers = 'authorization, content-type') =>
    t.app.inject({
      method: 'OPTIONS',
      url: '/tasks',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
    });

  it('answers a localhost preflight on any port, echoing the origin, without credentials', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'https://localhost']) {
      const r = await preflight(origin);
      expect(r.statusCode).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe(origin);
      expect(String(r.headers['access-control-allow-methods'])).toMatch(/POST/);
      expect(String(r.headers['access-control-allow-headers'])).toMatch(/authorization/);
      expect(String(r.headers['access-control-allow-headers'])).toMatch(/content-type/);
      expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    }
    const simple = await t.app.inject({
      method: 'GET',
      url: '/tasks',
      headers: { origin: 'http://localhost:5173', authorization: 'Bearer op-token' },
    });
    expect(simple.statusCode).toBe(200);
    expect(simple.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    // The operator token still guards every route: CORS opens nothing.
    const noToken = await t.app.inject({
      method: 'GET',
      url: '/tasks',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('refuses an unknown origin: 400 on preflight, no CORS headers on simple requests', async () => {
    for (const origin of ['http://evil.example', 'http://localhost.evil.example:5173', 'null']) {
      const r = await preflight(origin);
      expect(r.statusCode).toBe(400);
      expect(JSON.parse(r.body).code).toBe('CORS_ORIGIN_REFUSED');
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    const simple = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'http://evil.example' },
    });
    expect(simple.statusCode).toBe(200);
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('MULTYAGENTS_CORS_ORIGINS: exact origins, the localhost word, none', () => {
    expect(parseCorsOrigins(undefined)).toEqual({ localhost: true, exact: [] });
    expect(parseCorsOrigins('https://ops.example:8443/, localhost')).toEqual({
      localhost: true,
      exact: ['https://ops.example:8443'],
    });
    expect(parseCorsOrigins('https://ops.example')).toEqual({
      localhost: false,
      exact: ['https://ops.example'],
    });
    expect(parseCorsOrigins('none')).toEqual({ localhost: false, exact: [] });
    expect(() => parseCorsOrigins('ops.example')).toThrow(/not an origin/);
  });

  it('configured origins replace the localhost default', async () => {
    const u = await makeTestApi({ corsOrigins: parseCorsOrigins('https://ops.example') });
    try {
      const ok = await u.app.inject({
        method: 'OPTIONS',
        url: '/events',
        headers: { origin: 'https://ops.example', 'access-control-request-method': 'GET' },
      });
      expect([ok.statusCode, ok.headers['access-control-allow-origin']]).toEqual([
        204,
        'https://ops.example',
      ]);
      const local = await u.app.inject({
        method: 'OPTIONS',
        url: '/events',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
      });
      expect(local.statusCode).toBe(400);
    } finally {
      await u.close();
    }
  });
});
