import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withTx, type Store } from '../../src/store/sql.js';
import { makeTestApi, removeTempDirs, tempDir, type TestApi } from '../helpers/context.js';

/**
 * Optimistic concurrency for the catalogue's edits: GET and PUT answer an `ETag`, a PUT or DELETE with
 * `If-Match` applies only to the version it names (412 EDIT_CONFLICT otherwise, nothing written),
 * and without the header the first version's last-writer-wins stays.
 */
interface Resource {
  path: string;
  /** Creates what the resource needs and returns a create body. */
  seed(t: TestApi): Promise<Record<string, unknown>>;
  /** A replacing body that differs from the create body by `mark`. */
  edit(created: Record<string, unknown>, mark: string): Record<string, unknown>;
  /** The field `edit` changes, as read back. */
  read(body: Record<string, unknown>): unknown;
}

const RESOURCES: Resource[] = [
  {
    path: '/projects',
    seed: async () => ({ name: 'p', root_path: path.join(tempDir('ma-etag-'), 'repo') }),
    edit: (c, mark) => ({ name: `p-${mark}`, root_path: c.root_path }),
    read: (b) => b.name,
  },
  {
    path: '/roles',
    seed: async () => ({ name: 'coder', system_prompt: 'start' }),
    edit: (c, mark) => ({ name: c.name, context7_enabled: false, system_prompt: mark }),
    read: (b) => b.system_prompt,
  },
  {
    path: '/skill-packs',
    seed: async () => ({ name: 'pack', skills: ['skills/testing-observability'] }),
    edit: (c, mark) => ({ name: `pack-${mark}`, skills: c.skills }),
    read: (b) => b.name,
  },
  {
    path: '/workflow-templates',
    seed: async (t) => {
      const role = await send(t, 'POST', '/roles', { name: 'r' });
      return { name: 'wf', steps: [{ step_id: 'a', role_id: role.body.id, title: 'do a' }] };
    },
    edit: (c, mark) => ({ name: `wf-${mark}`, steps: c.steps }),
    read: (b) => b.name,
  },
];

async function send(
  t: TestApi,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await t.app.inject({ method, url, payload: body as object | undefined, headers });
  return {
    status: res.statusCode,
    etag: res.headers.etag as string | undefined,
    body: res.body ? JSON.parse(res.body) : null,
  };
}

/**
 * Holds the next `n` write transactions until all `n` were asked for, then lets them run in order: both
 * edits have read whatever they read before either writes, so a version check made outside the write
 * transaction would let both through.
 */
function gateWrites(t: TestApi, n: number): void {
  const waiting: Array<() => void> = [];
  const gatedTx: Store['tx'] = (fn) => {
    const open = new Promise<void>((go) => {
      waiting.push(go);
      if (waiting.length === n) for (const release of waiting) release();
    });
    return open.then(() => t.store.tx(fn));
  };
  t.ctx.store = withTx(t.store, gatedTx);
}

describe.each(RESOURCES)('If-Match on $path', (r) => {
  let t: TestApi;
  let url: string;
  let createBody: Record<string, unknown>;
  beforeEach(async () => {
    t = await makeTestApi();
    createBody = await r.seed(t);
    const created = await send(t, 'POST', r.path, createBody);
    expect([created.status, created.etag]).toEqual([200, '"r1"']);
    url = `${r.path}/${created.body.id}`;
  });
  afterEach(async () => {
    await t.close();
    removeTempDirs();
  });

  it('the create answers the stored version as its ETag, and an edit may start from it', async () => {
    const body = { ...(await r.seed(t)), name: 'second' };
    const key = { 'idempotency-key': 'etag-create' };
    const created = await send(t, 'POST', r.path, body, key);
    expect([created.status, created.etag]).toEqual([200, '"r1"']);
    // The body is the first version's (no version field); the GET of the new item names the same ETag.
    expect(Object.keys(created.body)).not.toContain('revision');
    const itemUrl = `${r.path}/${created.body.id}`;
    const got = await send(t, 'GET', itemUrl);
    expect([got.etag, got.body]).toEqual([created.etag, created.body]);
    const put = await send(t, 'PUT', itemUrl, r.edit(created.body, 'after-create'), {
      'if-match': created.etag!,
    });
    expect([put.status, put.etag]).toEqual([200, '"r2"']);
    // A replay of the create answers its first body without an ETag: the item has changed since.
    const replay = await t.app.inject({ method: 'POST', url: r.path, payload: body, headers: key });
    expect([replay.statusCode, replay.headers['idempotent-replayed'], replay.headers.etag]).toEqual([
      200,
      'true',
      undefined,
    ]);
    expect(JSON.parse(replay.body)).toEqual(created.body);
  });

  it('GET and PUT answer a strong ETag; a matching If-Match applies and moves it', async () => {
    const got = await send(t, 'GET', url);
    expect([got.status, got.etag]).toEqual([200, '"r1"']);
    const put = await send(t, 'PUT', url, r.edit(createBody, 'one'), { 'if-match': got.etag! });
    expect([put.status, put.etag, r.read(put.body)]).toEqual([
      200,
      '"r2"',
      r.read(r.edit(createBody, 'one')),
    ]);
    // The body is the first version's: no version field in it.
    expect(Object.keys(put.body)).not.toContain('revision');
    const again = await send(t, 'GET', url);
    expect([again.etag, r.read(again.body)]).toEqual(['"r2"', r.read(put.body)]);
    // A list of tags matches when one of them does; `*` matches whatever version exists.
    const listed = await send(t, 'PUT', url, r.edit(createBody, 'two'), { 'if-match': '"r1", "r2"' });
    expect([listed.status, listed.etag]).toEqual([200, '"r3"']);
    const any = await send(t, 'PUT', url, r.edit(createBody, 'three'), { 'if-match': '*' });
    expect([any.status, any.etag]).toEqual([200, '"r4"']);
  });

  it('a stale If-Match is 412 EDIT_CONFLICT naming the current ETag, and writes nothing', async () => {
    const theirs = await send(t, 'PUT', url, r.edit(createBody, 'theirs'));
    expect([theirs.status, theirs.etag]).toEqual([200, '"r2"']);
    const before = await send(t, 'GET', url);
    const events = (await send(t, 'GET', '/events?limit=1000')).body.length;
    const mine = await send(t, 'PUT', url, r.edit(createBody, 'mine'), { 'if-match': '"r1"' });
    expect(mine.status).toBe(412);
    expect(mine.body).toMatchObject({ code: 'EDIT_CONFLICT', current_etag: '"r2"' });
    expect(mine.body.detail).toContain('"r2"');
    // A weak tag never matches under strong comparison.
    const weak = await send(t, 'PUT', url, r.edit(createBody, 'mine'), { 'if-match': 'W/"r2"' });
    expect([weak.status, weak.body.code]).toEqual([412, 'EDIT_CONFLICT']);
    const after = await send(t, 'GET', url);
    expect([after.etag, after.body]).toEqual([before.etag, before.body]);
    expect((await send(t, 'GET', '/events?limit=1000')).body.length).toBe(events);
    // DELETE honours If-Match the same way: a stale one keeps the row, the current one deletes it.
    const staleDelete = await send(t, 'DELETE', url, undefined, { 'if-match': '"r1"' });
    expect([staleDelete.status, staleDelete.body.code]).toEqual([412, 'EDIT_CONFLICT']);
    expect((await send(t, 'GET', url)).status).toBe(200);
    const deleted = await send(t, 'DELETE', url, undefined, { 'if-match': '"r2"' });
    expect(deleted.status).toBe(204);
    expect((await send(t, 'GET', url)).status).toBe(404);
  });

  it('two concurrent PUTs with the same If-Match: exactly one wins', async () => {
    const { etag } = await send(t, 'GET', url);
    gateWrites(t, 2);
    const [a, b] = await Promise.all([
      send(t, 'PUT', url, r.edit(createBody, 'a'), { 'if-match': etag! }),
      send(t, 'PUT', url, r.edit(createBody, 'b'), { 'if-match': etag! }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    expect(lost.body).toMatchObject({ code: 'EDIT_CONFLICT', current_etag: '"r2"' });
    const stored = await send(t, 'GET', url);
    expect([stored.etag, r.read(stored.body)]).toEqual(['"r2"', r.read(won.body)]);
  });

  it('without If-Match the last writer wins, as in the first version', async () => {
    await send(t, 'PUT', url, r.edit(createBody, 'first'));
    const second = await send(t, 'PUT', url, r.edit(createBody, 'second'));
    expect([second.status, second.etag]).toEqual([200, '"r3"']);
    expect(r.read((await send(t, 'GET', url)).body)).toBe(r.read(r.edit(createBody, 'second')));
  });

  it('a malformed If-Match is 422 IF_MATCH_INVALID, and writes nothing', async () => {
    for (const bad of ['r1', '"r1" "r2"', '"r1",,"r2"', '', 'W/r1', '"a\\"b"']) {
      const res = await send(t, 'PUT', url, r.edit(createBody, 'x'), { 'if-match': bad });
      expect([bad, res.status, res.body.code, res.body.field]).toEqual([
        bad,
        422,
        'IF_MATCH_INVALID',
        'If-Match',
      ]);
    }
    const del = await send(t, 'DELETE', url, undefined, { 'if-match': 'nope' });
    expect([del.status, del.body.code]).toEqual([422, 'IF_MATCH_INVALID']);
    expect((await send(t, 'GET', url)).etag).toBe('"r1"');
  });

  it('an unknown id stays 404 with or without If-Match', async () => {
    const gone = url.replace(/\d+$/, '999');
    const put = await send(t, 'PUT', gone, r.edit(createBody, 'x'), { 'if-match': '*' });
    expect(put.status).toBe(404);
    expect((await send(t, 'DELETE', gone, undefined, { 'if-match': '"r1"' })).status).toBe(404);
  });
});

describe('ETag through CORS', () => {
  it('a panel on another allowed origin may read the ETag', async () => {
    const t = await makeTestApi();
    try {
      await send(t, 'POST', '/roles', { name: 'r' });
      const res = await t.app.inject({
        method: 'GET',
        url: '/roles/1',
        headers: { origin: 'http://localhost:5173' },
      });
      expect(res.headers['access-control-expose-headers']).toContain('etag');
      expect(res.headers.etag).toBe('"r1"');
    } finally {
      await t.close();
    }
  });
});
