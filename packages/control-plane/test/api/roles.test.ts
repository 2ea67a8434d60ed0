import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';

describe('roles API', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  const pack = (name: string) =>
    call(t.app, 'POST', '/skill-packs', { name, skills: ['skills/testing-observability'] });

  async function seedTask(roleId: number): Promise<number> {
    return t.store.tx(async (sql) => {
      const r = await sql.run(
        "INSERT INTO tasks (role_id, title, status, created_at, updated_at) VALUES (?, 't', 'created', 'x', 'x')",
        [roleId],
      );
      return r.lastId;
    });
  }

  it('creates with defaults filled in', async () => {
    const res = await call(t.app, 'POST', '/roles', { name: 'coder' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 1,
      name: 'coder',
      context7_enabled: false,
      system_prompt: '',
      allowed_tools: [],
      skill_packs: [],
      execution_constraints: {},
    });
    expect((await call(t.app, 'GET', '/roles/1')).body).toEqual(res.body);
  });

  it('stores every field, fills retry policy defaults and keeps extra constraints', async () => {
    await pack('tdd');
    await pack('review');
    const body = {
      name: 'reviewer',
      context7_enabled: true,
      system_prompt: 'Review carefully.',
      allowed_tools: [' git', 'rg', '', 'git '],
      skill_packs: ['review', ' tdd ', 'review'],
      execution_constraints: {
        retry_policy: { max_retries: 3, retry_on: ['network', 'flaky-test'] },
        timeout_seconds: 600,
        custom_flag: 'kept',
      },
    };
    const res = await call(t.app, 'POST', '/roles', body);
    expect(res.status).toBe(200);
    // v1: list fields trimmed, empty entries and duplicates dropped; packs by name.
    expect(res.body).toMatchObject({ ...body, allowed_tools: ['git', 'rg'], skill_packs: ['review', 'tdd'] });
    expect(res.body.execution_constraints.retry_policy).toEqual({
      max_retries: 3,
      retry_on: ['network', 'flaky-test'],
      backoff_initial_ms: 1000,
      backoff_max_ms: 60000,
      backoff_multiplier: 2,
      jitter: 0.2,
    });
    expect((await call(t.app, 'GET', '/roles')).body).toEqual([res.body]);
  });

  it('refuses a retry policy outside 0..10 or with an unknown category, storing nothing', async () => {
    for (const [policy, field] of [
      [{ max_retries: 11 }, 'execution_constraints.retry_policy.max_retries'],
      [{ max_retries: -1 }, 'execution_constraints.retry_policy.max_retries'],
      [{ max_retries: 1.5 }, 'execution_constraints.retry_policy.max_retries'],
      [{ retry_on: ['cosmic-rays'] }, 'execution_constraints.retry_policy.retry_on.0'],
    ] as const) {
      const res = await call(t.app, 'POST', '/roles', {
        name: 'r',
        execution_constraints: { retry_policy: policy },
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    const ok = await call(t.app, 'POST', '/roles', {
      name: 'r',
      execution_constraints: { retry_policy: { max_retries: 10 } },
    });
    expect(ok.status).toBe(200);
    expect((await call(t.app, 'GET', '/roles')).body).toHaveLength(1);
  });

  it('refuses unknown skill packs with UNKNOWN_REFERENCE naming skill_packs[i]', async () => {
    await pack('tdd');
    const res = await call(t.app, 'POST', '/roles', { name: 'coder', skill_packs: ['tdd', 'nope', 'gone'] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'UNKNOWN_REFERENCE',
      field: 'skill_packs[1]',
      detail: 'unknown skill packs: nope, gone',
    });
    // Pack ids (our earlier shape) are refused: v1 roles name their packs.
    const ids = await call(t.app, 'POST', '/roles', { name: 'coder', skill_packs: [1] });
    expect(ids.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'skill_packs.0' });
    expect((await call(t.app, 'GET', '/roles')).body).toEqual([]);
  });

  it('replaces with PUT and refuses bad updates without changing the stored role', async () => {
    await pack('tdd');
    await call(t.app, 'POST', '/roles', { name: 'coder', system_prompt: 'v1', skill_packs: ['tdd'] });
    await call(t.app, 'POST', '/roles', { name: 'tester' });
    const put = await call(t.app, 'PUT', '/roles/1', {
      name: 'coder',
      system_prompt: 'v2',
      context7_enabled: false,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: 1, system_prompt: 'v2', skill_packs: [] });

    const unknown = await call(t.app, 'PUT', '/roles/1', {
      name: 'coder',
      system_prompt: 'v3',
      context7_enabled: false,
      skill_packs: ['nine'],
    });
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_REFERENCE', field: 'skill_packs[0]' });
    // v1: a PUT is a full replace and must say context7_enabled.
    const partial = await call(t.app, 'PUT', '/roles/1', { name: 'coder', system_prompt: 'v3' });
    expect(partial.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'context7_enabled' });
    const stored = (await call(t.app, 'GET', '/roles/1')).body;
    expect(stored).toMatchObject({ name: 'coder', system_prompt: 'v2', skill_packs: [] });
  });

  it('accepts two roles with one name (v1: names are not unique), on create and on rename', async () => {
    await call(t.app, 'POST', '/roles', { name: 'coder' });
    const dup = await call(t.app, 'POST', '/roles', { name: 'coder', system_prompt: 'other' });
    expect(dup.status).toBe(200);
    expect(dup.body).toMatchObject({ id: 2, name: 'coder', system_prompt: 'other' });
    await call(t.app, 'POST', '/roles', { name: 'tester' });
    const renamed = await call(t.app, 'PUT', '/roles/3', { name: 'coder', context7_enabled: true });
    expect(renamed.status).toBe(200);
    const names = (await call(t.app, 'GET', '/roles')).body.map((r: { name: string }) => r.name);
    expect(names).toEqual(['coder', 'coder', 'coder']);
  });

  it('404s unknown ids on get, put and delete', async () => {
    for (const [method, body] of [
      ['GET'],
      ['PUT', { name: 'n', context7_enabled: false }],
      ['DELETE'],
    ] as const) {
      const res = await call(t.app, method, '/roles/5', body);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ROLE_NOT_FOUND');
    }
    expect((await call(t.app, 'GET', '/roles/abc')).body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses to delete a role while a template step refers to it', async () => {
    await call(t.app, 'POST', '/roles', { name: 'coder' });
    await call(t.app, 'POST', '/roles', { name: 'tester' });
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'flow',
      steps: [
        { step_id: 'a', role_id: 2, title: 'A' },
        { step_id: 'b', role_id: 1, title: 'B', depends_on: ['a'] },
      ],
    });
    expect(tpl.status).toBe(200);
    const refused = await call(t.app, 'DELETE', '/roles/1');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'RESOURCE_IN_USE',
      workflow_template_ids: [1],
      task_count: 0,
    });
    expect((await call(t.app, 'GET', '/roles/1')).status).toBe(200);
    expect((await call(t.app, 'DELETE', '/workflow-templates/1')).status).toBe(204);
    expect((await call(t.app, 'DELETE', '/roles/1')).status).toBe(204);
    expect((await call(t.app, 'GET', '/roles/1')).status).toBe(404);
  });

  it('refuses to delete a role while a task refers to it', async () => {
    await call(t.app, 'POST', '/roles', { name: 'coder' });
    await seedTask(1);
    const refused = await call(t.app, 'DELETE', '/roles/1');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'RESOURCE_IN_USE', workflow_template_ids: [], task_count: 1 });
    expect((await call(t.app, 'GET', '/roles')).body).toHaveLength(1);
  });

  it('writes role.created, .updated and .deleted audit events only for accepted changes', async () => {
    await call(t.app, 'POST', '/roles', { name: 'coder' });
    await call(t.app, 'POST', '/roles', { name: 'coder', skill_packs: ['missing'] });
    await call(t.app, 'PUT', '/roles/1', { name: 'dev', context7_enabled: false });
    await call(t.app, 'DELETE', '/roles/1');
    const events = (await call(t.app, 'GET', '/events')).body.filter((e: { event_type: string }) =>
      e.event_type.startsWith('role.'),
    );
    expect(events.map((e: { event_type: string; payload: unknown }) => [e.event_type, e.payload])).toEqual([
      ['role.created', { role_id: 1, name: 'coder' }],
      ['role.updated', { role_id: 1, name: 'dev' }],
      ['role.deleted', { role_id: 1, name: 'dev' }],
    ]);
  });

  it('rolls the role back when its audit event cannot be written', async () => {
    await t.store.tx((sql) => sql.run('DROP TABLE events'));
    const res = await call(t.app, 'POST', '/roles', { name: 'coder' });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    expect((await call(t.app, 'GET', '/roles')).body).toEqual([]);
  });
});
