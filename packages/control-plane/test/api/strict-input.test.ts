import path from 'node:path';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropsUnknownKeys } from '@multyagents/contracts';
import { firstUnknownField } from '../../src/api/unknownFields.js';
import { call, makeTestApi, removeTempDirs, RUNNER_TOKEN, type TestApi } from '../helpers/context.js';

/** Issue 18 item 10: unknown and read-only fields are refused, not dropped; no control characters in names. */
describe('strict request bodies', () => {
  let t: TestApi;
  let role: number;
  beforeEach(async () => {
    t = await makeTestApi();
    role = (await call(t.app, 'POST', '/roles', { name: 'r' })).body.id;
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  const unknown = (r: { status: number; body: any }, field: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body).toMatchObject({ code: 'UNKNOWN_FIELD', field });
    expect(r.body.detail[0]).toMatchObject({ loc: ['body', ...field.split('.')], type: 'extra_forbidden' });
  };

  it('a read-only id, created_at or status on a create is 422 UNKNOWN_FIELD and creates nothing', async () => {
    const root = path.join(t.dir, 'p');
    unknown(await call(t.app, 'POST', '/projects', { id: 9, name: 'p', root_path: root }), 'id');
    unknown(await call(t.app, 'POST', '/roles', { name: 'x', created_at: 'now' }), 'created_at');
    unknown(await call(t.app, 'POST', '/tasks', { role_id: role, title: 't', status: 'success' }), 'status');
    expect((await call(t.app, 'GET', '/projects')).body).toHaveLength(0);
    expect((await call(t.app, 'GET', '/tasks')).body).toHaveLength(0);
  });

  it('a typo deep inside a body is named by its path', async () => {
    const r = await call(t.app, 'POST', '/workflow-templates', {
      name: 'tpl',
      steps: [
        { step_id: 'a', role_id: role, title: 'A' },
        { step_id: 'b', role_id: role, title: 'B', depends_on: ['a'], dependson: ['a'] },
      ],
    });
    unknown(r, 'steps.1.dependson');
    const art = await call(t.app, 'POST', '/workflow-templates', {
      name: 'tpl',
      steps: [{ step_id: 'a', role_id: role, title: 'A', required_artifacts: [{ artifact_typ: 'diff' }] }],
    });
    unknown(art, 'steps.0.required_artifacts.0.artifact_typ');
  });

  it('free-form objects (payload, metadata, config) keep any key; quality_gate_policy keys v1 ignored are accepted and dropped', async () => {
    const ev = await call(t.app, 'POST', '/events', {
      event_type: 'note.added',
      payload: { anything: { nested: true } },
    });
    expect(ev.status).toBe(200);
    const task = await call(t.app, 'POST', '/tasks', {
      role_id: role,
      title: 't',
      quality_gate_policy: { min_score: 1, required_checks: [{ check: 'task-status', config: { x: 1 } }] },
    });
    expect(task.status).toBe(200);
    expect(task.body.quality_gate_policy).not.toHaveProperty('min_score');
  });

  it('operator action bodies refuse unknown fields too (a misspelt reason is not silently lost)', async () => {
    const run = await call(t.app, 'POST', '/workflow-runs', {
      task_ids: [(await call(t.app, 'POST', '/tasks', { role_id: role, title: 't' })).body.id],
    });
    unknown(await call(t.app, 'POST', `/workflow-runs/${run.body.id}/abort`, { reasn: 'x' }), 'reasn');
    expect((await call(t.app, 'GET', `/workflow-runs/${run.body.id}`)).body.status).not.toBe('aborted');
  });

  it('runner-protocol bodies tolerate unknown fields (a newer runner, or a v1 one, keeps reporting)', async () => {
    const r = await call(
      t.app,
      'POST',
      '/runners/register',
      { name: 'r1', url: 'http://127.0.0.1:9/r1', capacity: 1, added_in_a_later_version: true },
      { 'x-runner-token': RUNNER_TOKEN },
    );
    expect(r.status).toBe(200);
  });

  it('NUL, newline and other control characters are refused in every stored name, title and actor', async () => {
    const tpl = (
      await call(t.app, 'POST', '/workflow-templates', {
        name: 'ok',
        steps: [{ step_id: 'a', role_id: role, title: 'A' }],
      })
    ).body.id;
    const bad: Array<[string, unknown, string]> = [
      ['/tasks', { role_id: role, title: 'a\u0000b' }, 'title'],
      [
        '/workflow-templates',
        { name: 't', steps: [{ step_id: 'a', role_id: role, title: 'A\nB' }] },
        'steps.0.title',
      ],
      [
        '/workflow-templates',
        {
          name: 't',
          steps: [{ step_id: 'a', role_id: role, title: 'A', required_artifacts: [{ label: 'l\u0007' }] }],
        },
        'steps.0.required_artifacts.0.label',
      ],
      ['/workflow-runs', { workflow_template_id: tpl, initiated_by: 'eve\u0000' }, 'initiated_by'],
      [
        '/workflow-runs',
        { workflow_template_id: tpl, step_task_overrides: { a: { title: 'x\ry' } } },
        'step_task_overrides.a.title',
      ],
      ['/assistant/intents/start', { workflow_template_id: tpl, initiated_by: 'a\u001fb' }, 'initiated_by'],
      ['/events', { event_type: 'a.b', producer_role: 'r\u0000' }, 'producer_role'],
      ['/roles', { name: 'r\u0000' }, 'name'],
      ['/skill-packs', { name: 'p\u007f' }, 'name'],
    ];
    for (const [url, body, field] of bad) {
      const r = await call(t.app, 'POST', url, body);
      expect(r.status, `${url} ${field}`).toBe(422);
      expect(r.body.field, url).toBe(field);
      expect(r.body.message, url).toMatch(/control characters/);
    }
    expect((await call(t.app, 'GET', '/workflow-runs')).body).toHaveLength(0);
  });
});

describe('firstUnknownField', () => {
  const S = z.object({
    a: z.string().optional(),
    list: z.array(z.object({ b: z.number() })).default([]),
    map: z.record(z.string(), z.object({ c: z.number() })).optional(),
    open: z.looseObject({}).optional(),
    pre: z.preprocess((v) => v, z.object({ d: z.number() })).optional(),
    either: z.union([z.object({ e: z.number() }), z.object({ f: z.number() })]).optional(),
    lenient: dropsUnknownKeys(z.object({ g: z.number().optional() })).optional(),
  });
  it('finds unknown keys through wrappers, arrays, records, preprocess and unions', () => {
    expect(firstUnknownField(S, { a: 'x' })).toBeNull();
    expect(firstUnknownField(S, { zz: 1 })).toBe('zz');
    expect(firstUnknownField(S, { list: [{ b: 1 }, { b: 1, y: 2 }] })).toBe('list.1.y');
    expect(firstUnknownField(S, { map: { k: { c: 1, q: 1 } } })).toBe('map.k.q');
    expect(firstUnknownField(S, { open: { any: 1 } })).toBeNull();
    expect(firstUnknownField(S, { pre: { d: 1, w: 1 } })).toBe('pre.w');
    expect(firstUnknownField(S, { either: { f: 1 } })).toBeNull();
    expect(firstUnknownField(S, { either: { h: 1 } })).toBe('either.h');
    expect(firstUnknownField(S, { lenient: { g: 1, extra: 1 } })).toBeNull();
    expect(firstUnknownField(S, 'not an object')).toBeNull();
  });
});
