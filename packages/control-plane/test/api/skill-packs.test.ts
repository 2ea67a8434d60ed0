import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';

describe('skill packs API', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close());

  const create = (name: string, skills: string[] = ['skills/task-governance']) =>
    call(t.app, 'POST', '/skill-packs', { name, skills });

  it('creates with 200, gets and lists with used_by_role_ids', async () => {
    const res = await create('tdd', [
      ' skills/task-governance',
      'skills/testing-observability',
      'skills/task-governance',
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 1,
      name: 'tdd',
      skills: ['skills/task-governance', 'skills/testing-observability'],
      used_by_role_ids: [],
    });
    await create('review');
    expect((await call(t.app, 'GET', '/skill-packs/1')).body).toEqual(res.body);
    const list = await call(t.app, 'GET', '/skill-packs');
    expect(list.body.map((p: { name: string }) => p.name)).toEqual(['tdd', 'review']);
  });

  it('refuses an empty skill list and a missing name with the field named', async () => {
    const empty = await create('x', []);
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'skills' });
    const noName = await call(t.app, 'POST', '/skill-packs', { skills: ['a'] });
    expect(noName.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
    const blank = await create('x', ['  ']);
    expect(blank.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'skills.0' });
    const unknown = await create('x', ['skills/task-governance', 'write tests first']);
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({
      code: 'UNKNOWN_SKILL',
      field: 'skills[1]',
      detail: "unknown skills in pack 'x': write tests first",
    });
    expect((await call(t.app, 'GET', '/skill-packs')).body).toEqual([]);
  });

  it('404s unknown ids on get, put and delete', async () => {
    for (const [method, body] of [
      ['GET'],
      ['PUT', { name: 'n', skills: ['skills/task-governance'] }],
      ['DELETE'],
    ] as const) {
      const res = await call(t.app, method, '/skill-packs/7', body);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('SKILL_PACK_NOT_FOUND');
    }
  });

  it('409s a duplicate name on create and on rename, leaving the stored pack unchanged', async () => {
    await create('tdd');
    await create('review', ['skills/architecture-guard']);
    const dup = await create('tdd');
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      code: 'NAME_CONFLICT',
      field: 'name',
      detail: "skill pack 'tdd' already exists",
    });
    const rename = await call(t.app, 'PUT', '/skill-packs/2', {
      name: 'tdd',
      skills: ['skills/task-governance'],
    });
    expect(rename.status).toBe(409);
    expect(rename.body.code).toBe('NAME_CONFLICT');
    expect((await call(t.app, 'GET', '/skill-packs/2')).body).toMatchObject({
      name: 'review',
      skills: ['skills/architecture-guard'],
    });
    expect((await call(t.app, 'GET', '/skill-packs')).body).toHaveLength(2);
  });

  it('replaces with PUT (keeping its own name is fine)', async () => {
    await create('tdd');
    const skills = ['skills/context7-doc-research', 'skills/workflow-dag-engine'];
    const put = await call(t.app, 'PUT', '/skill-packs/1', { name: 'tdd', skills });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ id: 1, name: 'tdd', skills, used_by_role_ids: [] });
    expect((await call(t.app, 'GET', '/skill-packs/1')).body.skills).toEqual(skills);
  });

  it('reports the roles that use a pack and refuses to delete it until none does', async () => {
    await create('tdd');
    await create('unused');
    const r1 = await call(t.app, 'POST', '/roles', { name: 'coder', skill_packs: ['tdd'] });
    const r2 = await call(t.app, 'POST', '/roles', { name: 'tester', skill_packs: ['unused', 'tdd'] });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect((await call(t.app, 'GET', '/skill-packs/1')).body.used_by_role_ids).toEqual([1, 2]);
    expect((await call(t.app, 'GET', '/skill-packs')).body[1].used_by_role_ids).toEqual([2]);

    const refused = await call(t.app, 'DELETE', '/skill-packs/1');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'RESOURCE_IN_USE',
      used_by_role_ids: [1, 2],
      detail: "skill pack 'tdd' is used by role 1",
    });
    expect((await call(t.app, 'GET', '/skill-packs/1')).status).toBe(200);
    // Roles name their packs: a pack in use keeps its name (a rename would strand them).
    const rename = await call(t.app, 'PUT', '/skill-packs/1', {
      name: 'tdd2',
      skills: ['skills/task-governance'],
    });
    expect(rename.body).toMatchObject({ code: 'RESOURCE_IN_USE' });

    await call(t.app, 'PUT', '/roles/1', { name: 'coder', context7_enabled: false, skill_packs: [] });
    await call(t.app, 'DELETE', '/roles/2');
    expect((await call(t.app, 'DELETE', '/skill-packs/1')).status).toBe(204);
    expect((await call(t.app, 'GET', '/skill-packs/1')).body.code).toBe('SKILL_PACK_NOT_FOUND');
  });

  it('writes skill_pack.created, .updated and .deleted audit events', async () => {
    await create('tdd');
    await call(t.app, 'PUT', '/skill-packs/1', { name: 'tdd2', skills: ['skills/docker-local-stack'] });
    await call(t.app, 'DELETE', '/skill-packs/1');
    await create('tdd'); // a refused change writes nothing
    await create('tdd');
    const events = (await call(t.app, 'GET', '/events')).body.filter((e: { event_type: string }) =>
      e.event_type.startsWith('skill_pack.'),
    );
    expect(events.map((e: { event_type: string; payload: unknown }) => [e.event_type, e.payload])).toEqual([
      ['skill_pack.created', { skill_pack_id: 1, name: 'tdd' }],
      ['skill_pack.updated', { skill_pack_id: 1, name: 'tdd2' }],
      ['skill_pack.deleted', { skill_pack_id: 1, name: 'tdd2' }],
      ['skill_pack.created', { skill_pack_id: 2, name: 'tdd' }],
    ]);
  });
});
