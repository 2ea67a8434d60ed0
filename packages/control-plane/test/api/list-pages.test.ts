/**
 * The cockpit's list surface: keyset pages of runs and tasks (`before_id`, `x-next-before-id`), the
 * filters, `x-total-count`, `GET /workflow-runs/counts`, and the static routes winning over `/:id`.
 * Without the new parameters the bodies are the first version's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_STATUSES } from '@multyagents/contracts';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, seedTwoStep } from '../helpers/fixtures.js';

async function get(t: TestApi, url: string) {
  const res = await t.app.inject({ method: 'GET', url });
  return {
    status: res.statusCode,
    body: JSON.parse(res.body),
    total: res.headers['x-total-count'],
    next: res.headers['x-next-before-id'],
    offset: res.headers['x-page-offset'],
    prev: res.headers['x-prev-before-id'],
  };
}

/** Follows x-next-before-id from `url` (which has a limit) and returns every id, page by page. */
async function walk(t: TestApi, url: string): Promise<number[][]> {
  const pages: number[][] = [];
  let next: string | undefined;
  for (let i = 0; i < 50; i++) {
    const r = await get(t, next ? `${url}&before_id=${next}` : url);
    expect(r.status).toBe(200);
    pages.push(r.body.map((x: { id: number }) => x.id));
    next = r.next as string | undefined;
    if (!next) return pages;
  }
  throw new Error('more than 50 pages');
}

/** Template A (two steps) and B; 7 runs of A (alice, bob alternating) and 3 of B by carol. */
async function seedRuns(t: TestApi) {
  const { roleId, templateId: a } = await seedTwoStep(t);
  const b = (
    await call(t.app, 'POST', '/workflow-templates', {
      name: 'one-step',
      steps: [{ step_id: 'solo', role_id: roleId, title: 'Solo' }],
    })
  ).body.id as number;
  const runs: Array<{ id: number; tpl: number; by: string; task_ids: number[] }> = [];
  for (let i = 0; i < 10; i++) {
    const tpl = i < 7 ? a : b;
    const by = i < 7 ? (i % 2 ? 'bob' : 'alice') : 'carol';
    const r = await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: tpl, initiated_by: by });
    expect(r.status).toBe(200);
    runs.push({ id: r.body.id, tpl, by, task_ids: r.body.task_ids });
  }
  return { a, b, runs };
}

describe('paged lists', () => {
  let t: TestApi;
  afterEach(() => t.close());

  it('runs: newest-first pages through before_id, the total ignores the cursor, filters combine', async () => {
    t = await makeTestApi();
    const { a, b, runs } = await seedRuns(t);
    const newestFirst = runs.map((r) => r.id).reverse();

    const first = await get(t, '/workflow-runs?limit=3');
    expect(first.body.map((r: { id: number }) => r.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.total).toBe('10');
    expect(first.next).toBe(String(newestFirst[2]));
    const second = await get(t, `/workflow-runs?limit=3&before_id=${first.next}`);
    expect(second.total).toBe('10');
    expect(second.body.map((r: { id: number }) => r.id)).toEqual(newestFirst.slice(3, 6));
    expect(await walk(t, '/workflow-runs?limit=3')).toEqual([
      newestFirst.slice(0, 3),
      newestFirst.slice(3, 6),
      newestFirst.slice(6, 9),
      newestFirst.slice(9),
    ]);
    // An exact fit: the last page says there is no older one.
    expect((await get(t, '/workflow-runs?limit=10')).next).toBeUndefined();

    const ofB = await get(t, `/workflow-runs?workflow_template_id=${b}`);
    expect(ofB.body.map((r: { id: number }) => r.id)).toEqual(newestFirst.slice(0, 3));
    expect(ofB.total).toBe('3');
    const alice = runs.filter((r) => r.by === 'alice').map((r) => r.id);
    expect(await walk(t, `/workflow-runs?limit=2&initiated_by=alice&workflow_template_id=${a}`)).toEqual([
      [alice[3], alice[2]],
      [alice[1], alice[0]],
    ]);
    expect((await get(t, `/workflow-runs?initiated_by=alice&workflow_template_id=${b}`)).total).toBe('0');

    await call(t.app, 'POST', `/workflow-runs/${runs[0]!.id}/abort`, {});
    const aborted = await get(t, '/workflow-runs?status=aborted&limit=1');
    expect(aborted.body.map((r: { id: number }) => r.id)).toEqual([runs[0]!.id]);
    expect([aborted.total, aborted.next]).toEqual(['1', undefined]);
    const created = await get(t, '/workflow-runs?status=created&limit=4');
    expect([created.total, created.next]).toEqual(['9', String(newestFirst[3])]);
  });

  it('runs: without the new parameters the body is the v1 array; bad cursors and filters are 422', async () => {
    t = await makeTestApi();
    const { runs } = await seedRuns(t);
    const plain = await get(t, '/workflow-runs');
    expect(plain.body).toHaveLength(10);
    expect(plain.body[0]).toMatchObject({ id: runs[9]!.id, task_ids: runs[9]!.task_ids });
    expect([plain.total, plain.next]).toEqual(['10', undefined]);
    // A panel on another allowed origin (the Vite dev server) may read the page headers.
    const cors = await t.app.inject({
      method: 'GET',
      url: '/workflow-runs?limit=1',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(cors.headers['access-control-expose-headers']).toBe(
      'x-total-count, x-next-before-id, x-prev-before-id, x-page-offset, etag',
    );
    for (const q of ['before_id=0', 'before_id=abc', 'workflow_template_id=-1', 'status=nope']) {
      const r = await get(t, `/workflow-runs?${q}`);
      expect([q, r.status, r.body.code]).toEqual([q, 422, 'VALIDATION_FAILED']);
    }
  });

  it('positions: x-page-offset counts the newer rows, x-prev-before-id is the newer page (runs)', async () => {
    t = await makeTestApi();
    const { runs } = await seedRuns(t);
    const nf = runs.map((r) => r.id).reverse();
    const ids = (b: Array<{ id: number }>) => b.map((r) => r.id);
    const at = (before?: number) =>
      get(t, `/workflow-runs?limit=3${before === undefined ? '' : `&before_id=${before}`}`);
    // Four pages of 3, 3, 3, 1: each one's offset, its newer page's cursor (none: the newest page).
    const expected: Array<[number | undefined, string, number | undefined, number[]]> = [
      [undefined, '0', undefined, nf.slice(0, 3)],
      [nf[2], '3', undefined, nf.slice(3, 6)],
      [nf[5], '6', nf[2], nf.slice(6, 9)],
      [nf[8], '9', nf[5], nf.slice(9)],
    ];
    for (const [i, [before, offset, prev, page]] of expected.entries()) {
      const r = await at(before);
      expect([i, ids(r.body), r.offset, r.prev, r.total]).toEqual([
        i,
        page,
        offset,
        prev === undefined ? undefined : String(prev),
        '10',
      ]);
      // Stepping back: the newer page is the one before this in the walk.
      if (i > 0) expect(ids((await at(prev)).body)).toEqual(expected[i - 1]![3]);
    }
    // The last page has no older cursor; a cursor above every id is a newest page again.
    expect((await at(nf[8])).next).toBeUndefined();
    const above = await at(nf[0]! + 100);
    expect([ids(above.body), above.offset, above.prev]).toEqual([nf.slice(0, 3), '0', undefined]);

    // A filter whose ids have gaps (alice's runs are every other one), and a cursor that is not one of
    // them: the offset counts matching rows only, the newer cursor is a matching id.
    const alice = runs.filter((r) => r.by === 'alice').map((r) => r.id); // ascending
    expect(alice[1]! - alice[0]!).toBeGreaterThan(1);
    const a = (before: number) => get(t, `/workflow-runs?limit=1&initiated_by=alice&before_id=${before}`);
    const lastA = await a(alice[1]!);
    expect([ids(lastA.body), lastA.offset, lastA.prev, lastA.next]).toEqual([
      [alice[0]],
      '3',
      String(alice[2]),
      undefined,
    ]);
    expect(ids((await a(alice[2]!)).body)).toEqual([alice[1]]);
    const gap = await a(alice[1]! + 1);
    expect([ids(gap.body), gap.offset, gap.prev, gap.next]).toEqual([
      [alice[1]],
      '2',
      String(alice[3]),
      String(alice[1]),
    ]);
    expect(ids((await a(alice[3]!)).body)).toEqual([alice[2]]);
    // The newer page is the newest one: no prev cursor, even though a before_id was given.
    const second = await a(alice[3]!);
    expect([second.offset, second.prev]).toEqual(['1', undefined]);
  });

  it('positions: tasks pages step back through x-prev-before-id; v1 run lists send none', async () => {
    t = await makeTestApi();
    const { runs } = await seedRuns(t);
    for (const url of ['/tasks?limit=4', '/tasks?limit=2&step_id=plan']) {
      const pages: Array<{ before: string | undefined; ids: number[] }> = [];
      let before: string | undefined;
      for (;;) {
        const r = await get(t, before ? `${url}&before_id=${before}` : url);
        const i = pages.length;
        const limit = Number(new URL(url, 'http://x').searchParams.get('limit'));
        expect([url, i, r.offset]).toEqual([url, i, String(i * limit)]);
        // The newer page by x-prev-before-id (or the newest, without it) is the page walked before.
        if (i > 0) {
          expect(r.prev).toBe(i > 1 ? pages[i - 1]!.before : undefined);
          const back = await get(t, r.prev ? `${url}&before_id=${r.prev}` : url);
          expect(back.body.map((x: { id: number }) => x.id)).toEqual(pages[i - 1]!.ids);
        } else expect(r.prev).toBeUndefined();
        pages.push({ before, ids: r.body.map((x: { id: number }) => x.id) });
        before = r.next as string | undefined;
        if (!before) break;
      }
      expect(pages.length).toBeGreaterThanOrEqual(3);
    }
    const ofRun = await get(t, `/tasks?run_id=${runs[0]!.id}`);
    expect([ofRun.offset, ofRun.prev]).toEqual([undefined, undefined]);
    const paged = await get(t, `/tasks?run_id=${runs[0]!.id}&before_id=${runs[0]!.task_ids[1]}&limit=1`);
    expect([paged.offset, paged.prev]).toEqual(['1', undefined]);
  });

  it('counts: every run status with zeros, by one GROUP BY; a static path wins over /:id', async () => {
    t = await makeTestApi();
    const zero = await get(t, '/workflow-runs/counts');
    expect(zero.status).toBe(200);
    expect(zero.body).toEqual({ total: 0, by_status: Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) });
    const { runs } = await seedRuns(t);
    await call(t.app, 'POST', `/workflow-runs/${runs[1]!.id}/abort`, {});
    await call(t.app, 'POST', `/workflow-runs/${runs[2]!.id}/pause`, {});
    const counts = (await get(t, '/workflow-runs/counts')).body;
    expect(counts).toEqual({
      total: 10,
      by_status: { created: 8, running: 0, paused: 1, aborted: 1, success: 0, failed: 0 },
    });
    // The parametric neighbours still answer as before.
    expect((await get(t, `/workflow-runs/${runs[1]!.id}`)).body.status).toBe('aborted');
    expect((await get(t, '/workflow-runs/999')).body.code).toBe('WORKFLOW_RUN_NOT_FOUND');
    expect((await get(t, '/tasks/stuck')).status).toBe(200);
    expect((await get(t, `/tasks/${runs[0]!.task_ids[0]}`)).body.id).toBe(runs[0]!.task_ids[0]);
  });

  it('tasks: pages and filters by status, runner and step; run_id alone keeps v1 order', async () => {
    t = await makeTestApi();
    const { runs } = await seedRuns(t);
    const all = runs.flatMap((r) => r.task_ids);
    const newestFirst = [...all].sort((x, y) => y - x);
    expect(await walk(t, '/tasks?limit=7')).toEqual([
      newestFirst.slice(0, 7),
      newestFirst.slice(7, 14),
      newestFirst.slice(14),
    ]);
    expect((await get(t, '/tasks?limit=7')).total).toBe(String(all.length));

    const runner = await registerRunner(t, 'r1');
    const other = await registerRunner(t, 'r2');
    const [p0, p1] = [runs[0]!.task_ids[0]!, runs[1]!.task_ids[0]!];
    expect((await call(t.app, 'POST', `/tasks/${p0}/dispatch`)).status).toBe(200);
    expect((await call(t.app, 'POST', `/tasks/${p1}/dispatch`)).status).toBe(200);
    const runnerOf = async (id: number) => (await get(t, `/tasks/${id}`)).body.runner_id as number;
    // Least-loaded placement: one task on each runner.
    expect([await runnerOf(p0), await runnerOf(p1)]).toEqual([runner, other]);
    for (const [r, id] of [
      [runner, p0],
      [other, p1],
    ] as const) {
      const page = await get(t, `/tasks?runner_id=${r}`);
      expect([page.total, page.body.map((x: { id: number }) => x.id)]).toEqual(['1', [id]]);
    }

    const queued = await get(t, '/tasks?status=queued&limit=1');
    expect(queued.body.map((x: { id: number }) => x.id)).toEqual([p1]);
    expect([queued.total, queued.next]).toEqual(['2', String(p1)]);
    expect((await get(t, `/tasks?status=queued&limit=1&before_id=${p1}`)).body.map((x: any) => x.id)).toEqual(
      [p0],
    );
    const created = await get(t, '/tasks?status=created&limit=100');
    expect(created.total).toBe(String(all.length - 2));
    expect(created.body.map((x: { id: number }) => x.id)).toEqual(
      newestFirst.filter((id) => id !== p0 && id !== p1),
    );

    const plans = await get(t, '/tasks?step_id=plan&limit=3');
    expect(plans.total).toBe('7');
    expect(plans.body.map((x: { step_id: string }) => x.step_id)).toEqual(['plan', 'plan', 'plan']);
    expect((await get(t, '/tasks?step_id=plan&status=queued')).total).toBe('2');
    expect((await get(t, '/tasks?step_id=nope')).body).toEqual([]);

    // v1: run_id alone is the run's tasks in id order, limit not applied; paging within a run is ours.
    const ofRun = await get(t, `/tasks?run_id=${runs[0]!.id}&limit=1`);
    expect(ofRun.body.map((x: { id: number }) => x.id)).toEqual(runs[0]!.task_ids);
    expect([ofRun.total, ofRun.next]).toEqual(['2', undefined]);
    const paged = await get(t, `/tasks?run_id=${runs[0]!.id}&before_id=${runs[0]!.task_ids[1]! + 1}&limit=1`);
    expect(paged.body.map((x: { id: number }) => x.id)).toEqual([runs[0]!.task_ids[1]]);
    expect([paged.total, paged.next]).toEqual(['2', String(runs[0]!.task_ids[1])]);
    expect((await get(t, '/tasks?run_id=999')).body.code).toBe('WORKFLOW_RUN_NOT_FOUND');
    expect((await get(t, '/tasks?runner_id=0')).status).toBe(422);
  });

  it('the new routes are in the OpenAPI document', async () => {
    t = await makeTestApi();
    const doc = (await get(t, '/openapi.json')).body;
    for (const p of [
      '/workflow-runs/counts',
      '/tasks/stuck',
      '/tasks/{id}/diff',
      '/drills',
      '/drills/{evidenceId}',
    ])
      expect(doc.paths[p]?.get, p).toBeDefined();
    const params = (p: string) => doc.paths[p].get.parameters.map((x: { name: string }) => x.name);
    expect(params('/workflow-runs')).toEqual(
      expect.arrayContaining(['before_id', 'workflow_template_id', 'initiated_by']),
    );
    expect(params('/tasks')).toEqual(expect.arrayContaining(['before_id', 'runner_id', 'step_id']));
    expect(doc.paths['/drills/{evidenceId}'].get.parameters[0].schema).toEqual({ type: 'string' });
  });
});
