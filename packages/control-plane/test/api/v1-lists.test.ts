/**
 * v1's list endpoints (first version §1 "Events, artifacts, handoffs"): filters, and `limit` = the LAST
 * N matches in insertion order; with our `after_id` cursor the first N after it (paging).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';
import { registerRunner, report } from '../helpers/fixtures.js';

describe('v1 lists: events, artifacts, handoffs', () => {
  let t: TestApi;
  let role: number;
  beforeEach(async () => {
    t = await makeTestApi();
    await registerRunner(t);
    role = (await call(t.app, 'POST', '/roles', { name: 'lister' })).body.id;
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  async function doneTask(summary: string): Promise<number> {
    const id = (await call(t.app, 'POST', '/tasks', { role_id: role, title: summary })).body.id as number;
    expect((await call(t.app, 'POST', `/tasks/${id}/dispatch`)).status).toBe(200);
    const r = await report(t, id, { status: 'success', attempt: 1, handoff: { summary } });
    expect(r.status).toBe(200);
    return id;
  }

  it('GET /events?limit=N → the last N matches, oldest first; after_id pages forward', async () => {
    for (let i = 0; i < 5; i++)
      await call(t.app, 'POST', '/events', { event_type: 'probe.tick', payload: { i } });
    const all = (await call(t.app, 'GET', '/events?event_type=probe.tick')).body;
    expect(all.map((e: any) => e.payload.i)).toEqual([0, 1, 2, 3, 4]);
    const last2 = (await call(t.app, 'GET', '/events?event_type=probe.tick&limit=2')).body;
    expect(last2.map((e: any) => e.payload.i)).toEqual([3, 4]);
    const page = (await call(t.app, 'GET', `/events?event_type=probe.tick&after_id=${all[0].id}&limit=2`))
      .body;
    expect(page.map((e: any) => e.payload.i)).toEqual([1, 2]);
  });

  it('GET /artifacts?limit=N → the last N; task_id and artifact_type filter', async () => {
    const task = (await call(t.app, 'POST', '/tasks', { role_id: role, title: 'make' })).body.id;
    for (const [i, type] of ['text', 'report', 'text'].entries()) {
      const a = await call(t.app, 'POST', '/artifacts', {
        artifact_type: type,
        location: `/tmp/a${i}`,
        summary: `a${i}`,
        producer_task_id: task,
      });
      expect(a.status).toBe(200);
    }
    const last2 = (await call(t.app, 'GET', `/artifacts?task_id=${task}&limit=2`)).body;
    expect(last2.map((a: any) => a.summary)).toEqual(['a1', 'a2']);
    const texts = (await call(t.app, 'GET', `/artifacts?task_id=${task}&artifact_type=text&limit=1`)).body;
    expect(texts.map((a: any) => a.summary)).toEqual(['a2']);
  });

  it('GET /handoffs?limit=N → the last N; task_id filters', async () => {
    const ids = [await doneTask('h0'), await doneTask('h1'), await doneTask('h2')];
    const last2 = (await call(t.app, 'GET', '/handoffs?limit=2')).body;
    expect(last2.map((h: any) => h.summary)).toEqual(['h1', 'h2']);
    const one = (await call(t.app, 'GET', `/handoffs?task_id=${ids[0]}`)).body;
    expect(one.map((h: any) => h.summary)).toEqual(['h0']);
    expect((await call(t.app, 'GET', '/handoffs?limit=0')).status).toBe(422);
  });
});
