import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';

describe('events API', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    await call(t.app, 'POST', '/roles', { name: 'coder' });
    // Runs 1 and 2; task 1 in run 1, task 2 in run 2, task 3 outside any run.
    await t.store.tx(async (sql) => {
      for (let i = 0; i < 2; i++)
        await sql.run(
          "INSERT INTO workflow_runs (status, created_at, updated_at) VALUES ('running', 'x', 'x')",
        );
      for (const run of [1, 2, null])
        await sql.run(
          "INSERT INTO tasks (run_id, role_id, title, status, created_at, updated_at) VALUES (?, 1, 't', 'created', 'x', 'x')",
          [run],
        );
    });
  });
  afterEach(() => t.close());

  const post = (body: Record<string, unknown>) => call(t.app, 'POST', '/events', body);
  const get = async (qs = '') => (await call(t.app, 'GET', `/events${qs}`)).body as any[];

  it('records an event with defaults and returns it as stored', async () => {
    const before = await get();
    const res = await post({ event_type: 'bridge.message_sent' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: before.length + 1,
      contract_version: 'v1',
      event_type: 'bridge.message_sent',
      run_id: null,
      task_id: null,
      producer_role: 'system',
      payload: {},
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect((await get()).at(-1)).toEqual(res.body);
  });

  it('keeps run, task, producer and payload, and fills the run from the task', async () => {
    const full = await post({
      event_type: 'agent.note',
      run_id: 1,
      task_id: 1,
      producer_role: 'coder',
      payload: { text: 'hi', n: [1, 2] },
    });
    expect(full.body).toMatchObject({
      run_id: 1,
      task_id: 1,
      producer_role: 'coder',
      payload: { text: 'hi', n: [1, 2] },
    });
    expect((await post({ event_type: 'agent.note', task_id: 2 })).body).toMatchObject({
      run_id: 2,
      task_id: 2,
    });
    expect((await post({ event_type: 'agent.note', task_id: 3 })).body).toMatchObject({
      run_id: null,
      task_id: 3,
    });
    expect((await post({ event_type: 'agent.note', run_id: 2 })).body).toMatchObject({
      run_id: 2,
      task_id: null,
    });
  });

  it('404s an unknown run or task and 422s a task of another run, storing nothing', async () => {
    const count = (await get()).length;
    const run = await post({ event_type: 'agent.note', run_id: 9 });
    expect(run.status).toBe(404);
    expect(run.body).toMatchObject({ code: 'WORKFLOW_RUN_NOT_FOUND', field: 'run_id' });
    const task = await post({ event_type: 'agent.note', task_id: 9 });
    expect(task.status).toBe(404);
    expect(task.body).toMatchObject({ code: 'TASK_NOT_FOUND', field: 'task_id' });
    const mixed = await post({ event_type: 'agent.note', run_id: 1, task_id: 2 });
    expect(mixed.status).toBe(422);
    expect(mixed.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'run_id' });
    expect(await get()).toHaveLength(count);
  });

  it('refuses malformed bodies', async () => {
    expect((await post({ event_type: 'nodot' })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'event_type',
    });
    expect((await post({})).body.field).toBe('event_type');
    expect((await post({ event_type: 'a.b', payload: [1] })).body.field).toBe('payload');
    expect((await post({ event_type: 'a.b', run_id: 0 })).body.field).toBe('run_id');
  });

  it('filters by run, task and type, pages with after_id and limit, oldest first', async () => {
    await post({ event_type: 'agent.a', run_id: 1 });
    await post({ event_type: 'agent.b', task_id: 1 });
    await post({ event_type: 'agent.a', task_id: 2 });
    await post({ event_type: 'agent.b', run_id: 2 });
    const mine = (await get()).filter((e) => e.event_type.startsWith('agent.'));
    const [e1, e2, e3, e4] = mine.map((e) => e.id as number);
    expect((await get('?run_id=1')).map((e) => e.id)).toEqual([e1, e2]);
    expect((await get('?task_id=2')).map((e) => e.id)).toEqual([e3]);
    expect((await get('?event_type=agent.a')).map((e) => e.id)).toEqual([e1, e3]);
    expect((await get('?run_id=2&event_type=agent.b')).map((e) => e.id)).toEqual([e4]);
    expect((await get(`?after_id=${e2}`)).map((e) => e.id)).toEqual([e3, e4]);
    expect((await get(`?after_id=${e1}&limit=2`)).map((e) => e.id)).toEqual([e2, e3]);
    expect(await get('?run_id=77')).toEqual([]);
  });

  it('refuses a bad query with the field named', async () => {
    for (const [qs, field] of [
      ['?limit=0', 'limit'],
      ['?run_id=abc', 'run_id'],
      ['?after_id=-1', 'after_id'],
    ]) {
      const res = await call(t.app, 'GET', `/events${qs}`);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
  });
});
