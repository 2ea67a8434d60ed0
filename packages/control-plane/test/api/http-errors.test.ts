import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logger.js';
import type { Attempts } from '../../src/runner/attempts.js';
import type { Journal } from '../../src/runner/journal.js';
import { buildRunnerApp } from '../../src/runner/server.js';
import { makeTestApi, type TestApi } from '../helpers/context.js';

const TOKEN = 'runner-token-for-http-errors-0123456789';

/** The runner's app with collaborators that fail loudly: these requests must be refused before them. */
function runnerApp(): FastifyInstance {
  const unused = new Proxy(
    {},
    {
      get: (_t, key) => {
        throw new Error(`unexpected use of ${String(key)}`);
      },
    },
  );
  return buildRunnerApp({
    attempts: unused as Attempts,
    journal: unused as Journal,
    token: TOKEN,
    logger: silentLogger,
    health: () => ({ ok: true }),
    recentMs: 1000,
    now: () => 0,
  });
}

interface Server {
  name: string;
  url: string;
  headers: Record<string, string>;
  open(): Promise<{ app: FastifyInstance; close(): Promise<void> }>;
}

const SERVERS: Server[] = [
  {
    name: 'API',
    url: '/projects',
    headers: {},
    async open() {
      const t: TestApi = await makeTestApi({ bodyLimitBytes: 1024 });
      return { app: t.app, close: () => t.close() };
    },
  },
  {
    name: 'runner',
    url: '/tasks/submit',
    headers: { 'x-runner-token': TOKEN },
    async open() {
      const app = runnerApp();
      return { app, close: () => app.close() };
    },
  },
];

describe.each(SERVERS)('$name error answers (one shared handler)', (server) => {
  let opened: Awaited<ReturnType<Server['open']>> | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  async function post(payload: string, contentType: string) {
    opened ??= await server.open();
    const res = await opened.app.inject({
      method: 'POST',
      url: server.url,
      payload,
      headers: { ...server.headers, 'content-type': contentType },
    });
    return { status: res.statusCode, body: JSON.parse(res.body) as { code: string; detail: unknown } };
  }

  it('a body nested deeper than 128 levels is 422 JSON_TOO_DEEP, refused before parsing', async () => {
    const deep = '['.repeat(200) + ']'.repeat(200);
    const res = await post(deep, 'application/json');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'JSON_TOO_DEEP', max_depth: 128 });
    // Brackets inside strings are text, not nesting: not refused for depth.
    const flat = await post(JSON.stringify({ name: '['.repeat(300) }), 'application/json');
    expect(flat.body.code).not.toBe('JSON_TOO_DEEP');
  });

  it('a body that is not application/json is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await post('name=x', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: 'content-type must be application/json',
    });
  });

  it('malformed JSON is 400 INVALID_JSON', async () => {
    const res = await post('{"name":', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_JSON');
  });

  it('an unknown route is 404 ROUTE_NOT_FOUND', async () => {
    opened = await server.open();
    const res = await opened.app.inject({ method: 'GET', url: '/no-such-route', headers: server.headers });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ code: 'ROUTE_NOT_FOUND', detail: 'no route GET /no-such-route' });
  });
});

describe('body limit', () => {
  it('the API answers 413 BODY_TOO_LARGE and names its limit', async () => {
    const t = await makeTestApi({ bodyLimitBytes: 1024 });
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/projects',
        payload: JSON.stringify({ name: 'x'.repeat(2048) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ code: 'BODY_TOO_LARGE', detail: 'body larger than 1024 bytes' });
    } finally {
      await t.close();
    }
  });

  it('the runner answers 413 BODY_TOO_LARGE past its 16 MiB limit', async () => {
    const app = runnerApp();
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/tasks/submit',
        payload: JSON.stringify({ prompt: 'x'.repeat(16 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json', 'x-runner-token': TOKEN },
      });
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(res.body)).toEqual({
        code: 'BODY_TOO_LARGE',
        detail: `body larger than ${16 * 1024 * 1024} bytes`,
      });
    } finally {
      await app.close();
    }
  });
});
