import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunnerSubmit } from '@multyagents/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRunnerClient } from '../../src/scheduler/runnerClient.js';

/** A loopback runner that records the paths it was asked for and answers from `handle`. */
async function fakeRunner(handle: (path: string, body: any) => { status: number; body: unknown }) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const a = handle(req.url ?? '', JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, paths, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const submit = (taskId: number): RunnerSubmit =>
  ({ task_id: taskId, attempt: 1, run_id: 1, prompt: 'p' }) as unknown as RunnerSubmit;

describe('runner client: batched submits', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('sends one request per runner and maps each answer like a lone submit', async () => {
    const r = await fakeRunner((_path, body: { submits: Array<{ task_id: number }> }) => ({
      status: 200,
      body: {
        results: body.submits.map((s) =>
          s.task_id === 2
            ? { status_code: 429, code: 'RUNNER_AT_CAPACITY', detail: 'full' }
            : { status_code: 200, status: 'queued', message: 'accepted' },
        ),
      },
    }));
    const client = httpRunnerClient('t', 2000);
    closers.push(r.close, () => client.close());
    const out = await client.submitMany(r.url, [submit(1), submit(2), submit(3)]);
    expect(r.paths).toEqual(['/tasks/submit-batch']);
    expect(out.map((o) => (o.ok ? 'ok' : o.kind))).toEqual(['ok', 'capacity', 'ok']);
  });

  it('falls back to one submit per attempt for a runner without the batch endpoint, and remembers it', async () => {
    const r = await fakeRunner((path) =>
      path === '/tasks/submit'
        ? { status: 200, body: { status: 'queued', message: 'accepted' } }
        : { status: 404, body: { detail: 'no such route' } },
    );
    const client = httpRunnerClient('t', 2000);
    closers.push(r.close, () => client.close());
    const first = await client.submitMany(r.url, [submit(1), submit(2)]);
    expect(first.every((o) => o.ok)).toBe(true);
    await client.submitMany(r.url, [submit(3), submit(4)]);
    expect(r.paths.filter((p) => p === '/tasks/submit-batch')).toHaveLength(1);
    expect(r.paths.filter((p) => p === '/tasks/submit')).toHaveLength(4);
  });

  it('a refused connection makes every attempt of the batch unreachable (never delivered)', async () => {
    const r = await fakeRunner(() => ({ status: 200, body: {} }));
    await r.close();
    const client = httpRunnerClient('t', 2000);
    closers.push(() => client.close());
    const out = await client.submitMany(r.url, [submit(1), submit(2)]);
    expect(out.map((o) => (o.ok ? 'ok' : o.kind))).toEqual(['unreachable', 'unreachable']);
  });
});
