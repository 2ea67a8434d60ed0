import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const BIN = path.join(ROOT, 'packages/control-plane/dist/bin/multyagents.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Run `multyagents <args>` as a real child process; output is captured for assertions. */
export function startCli(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    // Tests make their projects under the temp directory: the API is told so (not a default).
    env: { ...process.env, MULTYAGENTS_PROJECT_ROOTS: os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function http(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await request(url, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : null };
}

export function readToken(dataDir: string): string {
  return fs.readFileSync(path.join(dataDir, 'runner-token'), 'utf8').trim();
}

export async function startApiProc(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
  extra: string[] = [],
): Promise<Proc> {
  const p = startCli(
    ['api', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...extra],
    env,
  );
  await waitFor(`api on ${port}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`api exited: ${p.output()}`);
    return (await http('GET', `http://127.0.0.1:${port}/health`)).status === 200;
  });
  return p;
}

export async function startRunnerProc(
  apiDataDir: string,
  apiUrl: string,
  port: number,
  dataDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<Proc> {
  const p = startCli(
    [
      'runner',
      '--port',
      String(port),
      '--api',
      apiUrl,
      '--data-dir',
      dataDir,
      '--heartbeat-ms',
      '200',
      '--log-level',
      'warn',
      ...extra,
    ],
    { MULTYAGENTS_RUNNER_TOKEN_FILE: path.join(apiDataDir, 'runner-token'), ...env },
  );
  await waitFor(`runner on ${port} registered`, async () => {
    if (p.child.exitCode !== null) throw new Error(`runner exited: ${p.output()}`);
    const list = (await http('GET', `${apiUrl}/runners`)).body as Array<{ url: string; liveness: string }>;
    return list.some((r) => r.url.endsWith(`:${port}`) && r.liveness === 'online');
  });
  return p;
}

/** Pids of live processes whose command line contains `needle` (Linux /proc). */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (cmd.includes(needle) && !/\) Z /.test(stat)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
