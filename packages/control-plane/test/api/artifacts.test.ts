import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';

/** Runs 1 and 2; task 1 and 2 in run 1, task 3 in run 2, task 4 outside any run. */
async function seed(t: TestApi): Promise<void> {
  await call(t.app, 'POST', '/roles', { name: 'coder' });
  await t.store.tx(async (sql) => {
    for (let i = 0; i < 2; i++)
      await sql.run(
        "INSERT INTO workflow_runs (status, created_at, updated_at) VALUES ('running', 'x', 'x')",
      );
    for (const run of [1, 1, 2, null])
      await sql.run(
        "INSERT INTO tasks (run_id, role_id, title, status, created_at, updated_at) VALUES (?, 1, 't', 'created', 'x', 'x')",
        [run],
      );
  });
}

const count = (t: TestApi, table: string) =>
  t.store.read(async (sql) => (await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);

describe('artifacts API', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    await seed(t);
  });
  afterEach(() => t.close());

  const post = (body: Record<string, unknown>) => call(t.app, 'POST', '/artifacts', body);
  const list = async (qs = '') =>
    ((await call(t.app, 'GET', `/artifacts${qs}`)).body as any[]).map((a) => a.id);

  it('creates with the run taken from the task and writes artifact.created with it', async () => {
    const res = await post({ artifact_type: 'diff', location: '/tmp/x.diff', producer_task_id: 3 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 1,
      contract_version: 'v1',
      artifact_type: 'diff',
      location: '/tmp/x.diff',
      summary: '',
      producer_task_id: 3,
      run_id: 2,
      task_id: 3,
      metadata: {},
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect((await call(t.app, 'GET', '/artifacts/1')).body).toEqual(res.body);
    const events = (await call(t.app, 'GET', '/events?event_type=artifact.created')).body;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      run_id: 2,
      task_id: 3,
      payload: { artifact_id: 1, artifact_type: 'diff', location: '/tmp/x.diff' },
    });
  });

  it('keeps summary, metadata and an explicit matching run; a task outside runs gives run_id null', async () => {
    const res = await post({
      artifact_type: 'report',
      location: 'reports/r.md',
      summary: 'coverage',
      metadata: { pct: 91 },
      producer_task_id: 1,
      run_id: 1,
    });
    expect(res.body).toMatchObject({ summary: 'coverage', metadata: { pct: 91 }, run_id: 1 });
    expect(
      (await post({ artifact_type: 'text', location: 'x', producer_task_id: 4 })).body.run_id,
    ).toBeNull();
  });

  it('refuses unknown tasks and runs (404) and a run that is not the task run (422), storing nothing', async () => {
    const task = await post({ artifact_type: 'text', location: 'x', producer_task_id: 99 });
    expect(task.status).toBe(404);
    expect(task.body).toMatchObject({ code: 'TASK_NOT_FOUND', field: 'producer_task_id' });
    const run = await post({ artifact_type: 'text', location: 'x', producer_task_id: 1, run_id: 42 });
    expect(run.status).toBe(404);
    expect(run.body.code).toBe('WORKFLOW_RUN_NOT_FOUND');
    const other = await post({ artifact_type: 'text', location: 'x', producer_task_id: 1, run_id: 2 });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'run_id' });
    expect(await count(t, 'artifacts')).toBe(0);
    expect((await call(t.app, 'GET', '/events?event_type=artifact.created')).body).toEqual([]);
  });

  it('refuses malformed bodies with the field named', async () => {
    expect((await post({ artifact_type: 'video', location: 'x', producer_task_id: 1 })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'artifact_type',
    });
    expect((await post({ artifact_type: 'text', location: '', producer_task_id: 1 })).body.field).toBe(
      'location',
    );
    expect((await post({ artifact_type: 'text', location: 'x' })).body.field).toBe('producer_task_id');
  });

  it('does not keep the artifact when its event cannot be written (one transaction)', async () => {
    await t.store.tx((sql) => sql.run('DROP TABLE events'));
    const res = await post({ artifact_type: 'text', location: 'x', producer_task_id: 1 });
    expect(res.status).toBe(500);
    expect(await count(t, 'artifacts')).toBe(0);
  });

  it('404s an unknown artifact id', async () => {
    const res = await call(t.app, 'GET', '/artifacts/5');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ARTIFACT_NOT_FOUND');
  });

  it('lists with filters: run, producer task (or its alias task_id), type and limit', async () => {
    await post({ artifact_type: 'diff', location: 'a', producer_task_id: 1 });
    await post({ artifact_type: 'text', location: 'b', producer_task_id: 2 });
    await post({ artifact_type: 'diff', location: 'c', producer_task_id: 3 });
    await post({ artifact_type: 'diff', location: 'd', producer_task_id: 1 });
    expect(await list()).toEqual([1, 2, 3, 4]);
    expect(await list('?run_id=1')).toEqual([1, 2, 4]);
    expect(await list('?producer_task_id=1')).toEqual([1, 4]);
    expect(await list('?task_id=1')).toEqual([1, 4]);
    expect(await list('?task_id=1&producer_task_id=1')).toEqual([1, 4]);
    expect(await list('?task_id=1&producer_task_id=2')).toEqual([]);
    expect(await list('?artifact_type=diff&run_id=1')).toEqual([1, 4]);
    expect(await list('?limit=2')).toEqual([3, 4]); // v1: the last N
    const bad = await call(t.app, 'GET', '/artifacts?artifact_type=video');
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'artifact_type' });
  });
});

describe('handoffs API', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
    await seed(t);
    // Rows as the runner-callback code writes them.
    await t.store.tx(async (sql) => {
      const rows: Array<[number, number | null, number, string, string | null, string, string, string]> = [
        [1, 1, 1, 'first try', null, '["rerun"]', '[]', '[]'],
        [
          1,
          1,
          2,
          'done',
          'all green',
          '["ship","tell ops"]',
          '["why slow?"]',
          '[{"artifact_id":3,"is_required":true}]',
        ],
        [3, 2, 1, 'other run', null, '[]', '[]', '[]'],
        [4, null, 1, 'no run', null, '[]', 'not json', '[]'],
      ];
      for (const r of rows)
        await sql.run(
          `INSERT INTO handoffs (task_id, run_id, attempt, summary, details, next_actions, open_questions, artifacts, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')`,
          r,
        );
    });
  });
  afterEach(() => t.close());

  const get = async (qs = '') => (await call(t.app, 'GET', `/handoffs${qs}`)).body as any[];

  it('lists all, parsing the JSON columns', async () => {
    const all = await get();
    expect(all.map((h) => h.id)).toEqual([1, 2, 3, 4]);
    expect(all[1]).toEqual({
      id: 2,
      task_id: 1,
      run_id: 1,
      attempt: 2,
      summary: 'done',
      details: 'all green',
      next_actions: ['ship', 'tell ops'],
      open_questions: ['why slow?'],
      artifacts: [{ artifact_id: 3, is_required: true }],
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    expect(all[0].details).toBeNull();
    expect(all[3]).toMatchObject({ run_id: null, open_questions: [] });
  });

  it('filters by run and task', async () => {
    expect((await get('?run_id=1')).map((h) => h.id)).toEqual([1, 2]);
    expect((await get('?task_id=3')).map((h) => h.id)).toEqual([3]);
    expect((await get('?run_id=1&task_id=3')).map((h) => h.id)).toEqual([]);
    expect(await get('?task_id=2')).toEqual([]);
    const bad = await call(t.app, 'GET', '/handoffs?task_id=x');
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'task_id' });
  });
});
