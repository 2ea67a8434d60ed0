import path from 'node:path';
import { RoleCreate } from '@multyagents/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/scheduler/sweeper.js';
import { idempotent } from '../../src/services/idempotency.js';
import { createRole } from '../../src/services/roles.js';
import { makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';

/** `Idempotency-Key` on creates (issue 18 item 9): the first answer again, never a second create. */
describe('Idempotency-Key', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  async function post(url: string, body: unknown, key?: string) {
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload: body as object,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
    return {
      status: res.statusCode,
      body: JSON.parse(res.body),
      replayed: res.headers['idempotent-replayed'],
    };
  }

  async function template(): Promise<number> {
    const role = await post('/roles', { name: 'r' });
    const tpl = await post('/workflow-templates', {
      name: 'two',
      steps: [
        { step_id: 'a', role_id: role.body.id, title: 'A' },
        { step_id: 'b', role_id: role.body.id, title: 'B', depends_on: ['a'] },
      ],
    });
    expect(tpl.status).toBe(200);
    return tpl.body.id;
  }

  const runCount = async () => (await t.app.inject({ method: 'GET', url: '/workflow-runs' })).json().length;

  it('a retried run create with the same key and body answers the first run again, marked replayed', async () => {
    const tpl = await template();
    const first = await post('/workflow-runs', { workflow_template_id: tpl }, 'run-1');
    expect(first.status).toBe(200);
    expect(first.replayed).toBeUndefined();
    const again = await post('/workflow-runs', { workflow_template_id: tpl }, 'run-1');
    expect(again.status).toBe(200);
    expect(again.replayed).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await runCount()).toBe(1);
    // Without a key, a create is a create.
    await post('/workflow-runs', { workflow_template_id: tpl });
    expect(await runCount()).toBe(2);
  });

  it('key order in the body does not matter; every create route takes a key', async () => {
    const root = path.join(tempDir('ma-idem-'), 'repo');
    const a = await post('/projects', { name: 'p', root_path: root, allowed_paths: [] }, 'proj');
    const b = await post('/projects', { allowed_paths: [], root_path: root, name: 'p' }, 'proj');
    expect(b.replayed).toBe('true');
    expect(b.body).toEqual(a.body);
    const task1 = await post(
      '/tasks',
      { title: 'x', role_id: (await post('/roles', { name: 'q' })).body.id },
      't',
    );
    const task2 = await post('/tasks', { title: 'x', role_id: task1.body.role_id }, 't');
    expect(task2.body.id).toBe(task1.body.id);
    expect(task2.replayed).toBe('true');
  });

  it('a refused create stores no key: the retry is judged afresh', async () => {
    const bad = await post('/workflow-runs', { workflow_template_id: 999 }, 'k');
    expect(bad.status).toBe(404);
    const tpl = await template();
    // Another body under the same key is fine: nothing was recorded for the failure.
    expect((await post('/workflow-runs', { workflow_template_id: tpl }, 'k')).status).toBe(200);
  });

  it('the same key with a different body or route is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const tpl = await template();
    await post('/workflow-runs', { workflow_template_id: tpl }, 'k1');
    const other = await post('/workflow-runs', { workflow_template_id: tpl, initiated_by: 'me' }, 'k1');
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const route = await post('/roles', { name: 'z' }, 'k1');
    expect(route.status).toBe(422);
    expect(route.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await runCount()).toBe(1);
  });

  it('a key expires after 24 h: then it is a new create, and the sweeper prunes it', async () => {
    const tpl = await template();
    await post('/workflow-runs', { workflow_template_id: tpl }, 'old');
    t.clock.advance(24 * 3600 * 1000 - 1);
    expect((await post('/workflow-runs', { workflow_template_id: tpl }, 'old')).replayed).toBe('true');
    expect((await sweep(t.ctx)).idempotencyKeysPruned).toBe(0);
    t.clock.advance(2);
    const fresh = await post('/workflow-runs', { workflow_template_id: tpl }, 'old');
    expect(fresh.replayed).toBeUndefined();
    expect(await runCount()).toBe(2);
    await post('/roles', { name: 'expiring' }, 'gone');
    t.clock.advance(24 * 3600 * 1000 + 1);
    expect((await sweep(t.ctx)).idempotencyKeysPruned).toBe(2);
  });

  it('an invalid key is 422 IDEMPOTENCY_KEY_INVALID and creates nothing', async () => {
    for (const key of ['', 'x'.repeat(201), 'tab\there', 'é']) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/roles',
        payload: { name: 'r' },
        headers: { 'idempotency-key': key },
      });
      expect(r.statusCode, JSON.stringify(key)).toBe(422);
      expect(r.json().code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    expect((await t.app.inject({ method: 'GET', url: '/roles' })).json()).toHaveLength(0);
    expect((await post('/roles', { name: 'r' }, 'x'.repeat(200))).status).toBe(200);
  });

  it('two concurrent creates with one key make one run', async () => {
    const tpl = await template();
    const [a, b] = await Promise.all([
      post('/workflow-runs', { workflow_template_id: tpl }, 'race'),
      post('/workflow-runs', { workflow_template_id: tpl }, 'race'),
    ]);
    // Either the second saw the first's key (a replay) or lost the race inside its transaction (409,
    // its create rolled back): never two runs.
    for (const r of [a, b]) {
      if (r.status === 409) expect(r.body.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
      else expect(r.body.id).toBe([a, b].find((x) => x.status === 200)!.body.id);
    }
    expect(await runCount()).toBe(1);
    const later = await post('/workflow-runs', { workflow_template_id: tpl }, 'race');
    expect(later.replayed).toBe('true');
  });

  it('twins that both miss the key: the one that commits second is rolled back with 409', async () => {
    const make = () =>
      idempotent(t.ctx, 'twin', 'POST /roles', { name: 'w' }, 200, () =>
        createRole(t.ctx, RoleCreate.parse({ name: 'w' })),
      );
    // Both look the key up before either create commits (the reads queue ahead of the writes).
    const results = await Promise.allSettled([make(), make()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason.code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    expect((await t.app.inject({ method: 'GET', url: '/roles' })).json()).toHaveLength(1);
  });
});
