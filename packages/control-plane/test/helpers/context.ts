import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { testApiConfig, type ApiConfig } from '../../src/config/api.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { RunnerClient } from '../../src/scheduler/runnerClient.js';
import { apiRedactor, type ServiceContext } from '../../src/services/context.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

export const RUNNER_TOKEN = 'test-runner-token-0123456789';

const created: string[] = [];

/** A temp dir removed by `removeTempDirs()` (call it in afterEach/afterAll). */
export function tempDir(prefix = 'ma-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A runner client that records calls and answers from a script (default: accept everything). */
export class FakeRunnerClient implements RunnerClient {
  submits: Array<{ url: string; body: Parameters<RunnerClient['submit']>[1] }> = [];
  cancels: Array<{ url: string; taskId: number; attempt: number }> = [];
  submitAnswer: Awaited<ReturnType<RunnerClient['submit']>> = {
    ok: true,
    runnerStatus: 'queued',
    message: 'accepted',
  };
  tasks = new Map<number, Awaited<ReturnType<RunnerClient['getTask']>>>();
  unreachable = false;
  async submit(url: string, body: Parameters<RunnerClient['submit']>[1]) {
    this.submits.push({ url, body });
    if (this.unreachable)
      return { ok: false as const, kind: 'unreachable' as const, httpStatus: null, message: 'ECONNREFUSED' };
    return this.submitAnswer;
  }
  async submitMany(url: string, bodies: Array<Parameters<RunnerClient['submit']>[1]>) {
    return Promise.all(bodies.map((b) => this.submit(url, b)));
  }
  async getTask(_url: string, taskId: number) {
    if (this.unreachable) throw new Error('ECONNREFUSED');
    return this.tasks.get(taskId) ?? null;
  }
  async listTasks() {
    if (this.unreachable) throw new Error('ECONNREFUSED');
    return [...this.tasks.values()].filter((t) => t !== null);
  }
  async cancel(url: string, taskId: number, attempt: number) {
    if (this.unreachable) throw new Error('ECONNREFUSED');
    this.cancels.push({ url, taskId, attempt });
    return true;
  }
  async close() {}
}

export interface TestApi {
  app: FastifyInstance;
  ctx: ServiceContext;
  clock: FakeClock;
  runner: FakeRunnerClient;
  store: SqliteStore;
  dir: string;
  close(): Promise<void>;
}

/** A fresh store in a temp dir and the app in-process (no listen). Manual dispatch unless told. */
export async function makeTestApi(overrides: Partial<ApiConfig> = {}): Promise<TestApi> {
  const dir = tempDir();
  const config = testApiConfig(dir, {
    dispatchMode: 'manual',
    publicUrl: 'http://127.0.0.1:1',
    ...overrides,
  });
  const store = SqliteStore.open({ file: config.dbFile, durability: 'relaxed', exclusive: true });
  const clock = new FakeClock();
  const runner = new FakeRunnerClient();
  const ctx: ServiceContext = {
    config,
    store,
    clock,
    logger: silentLogger,
    runnerToken: RUNNER_TOKEN,
    runnerClient: runner,
    kick: () => {},
    redact: apiRedactor(config, RUNNER_TOKEN),
    random: () => 0.5,
  };
  const app = await buildApp(ctx);
  return {
    app,
    ctx,
    clock,
    runner,
    store,
    dir,
    async close() {
      await app.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runner credentials issued by each app's registrations (`call` notes them), so tests can speak as a
 * runner: `runnerHeaders(t, id)`. Like our runner, which keeps its credential and presents it, `call`
 * adds it by itself to a registration under a name it saw registered and to that runner's heartbeats
 * when the headers carry the shared token and no credential. Tests of refusals use `app.inject`.
 */
const credentials = new WeakMap<
  FastifyInstance,
  { byId: Map<number, string>; byName: Map<string, number> }
>();

export function credentialOf(app: FastifyInstance, runnerId: number): string | undefined {
  return credentials.get(app)?.byId.get(runnerId);
}

function withOwnCredential(
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Record<string, string> {
  if (!('x-runner-token' in headers) || 'x-runner-credential' in headers) return headers;
  const known = credentials.get(app);
  if (!known) return headers;
  const hb = /^\/runners\/(\d+)\/heartbeat$/.exec(url);
  const name = (body as { name?: unknown } | undefined)?.name;
  const id = hb
    ? Number(hb[1])
    : url === '/runners/register' && typeof name === 'string'
      ? known.byName.get(name)
      : undefined;
  const c = id === undefined ? undefined : known.byId.get(id);
  return c ? { ...headers, 'x-runner-credential': c } : headers;
}

/** `app.inject` with JSON in and out. */
export async function call(
  app: FastifyInstance,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method: method as 'GET',
    url,
    payload: body === undefined ? undefined : (body as object),
    headers: withOwnCredential(app, url, body, headers),
  });
  let json: any = null;
  try {
    json = res.body ? JSON.parse(res.body) : null;
  } catch {
    json = res.body;
  }
  if (url === '/runners/register' && res.statusCode === 200 && typeof json?.credential === 'string') {
    const m = credentials.get(app) ?? { byId: new Map<number, string>(), byName: new Map<string, number>() };
    m.byId.set(json.id as number, json.credential as string);
    m.byName.set(json.name as string, json.id as number);
    credentials.set(app, m);
  }
  return { status: res.statusCode, body: json };
}
