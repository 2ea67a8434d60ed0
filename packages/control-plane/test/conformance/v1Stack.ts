import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import { assertBuilt, cli, killLeftovers, readPidFile, tempDir } from '../process/cli-harness.js';
import { http } from '../helpers/procs.js';

/**
 * The stack a first-version client talks to: `multyagents up --dispatch manual --runner-auth off`
 * (the API moves no task on its own and takes runner callbacks without a token, as v1 did), one mock
 * runner, on free loopback ports in a temp data dir. The conformance tests drive it over real HTTP
 * only, written from shared/reference/first-version.md. One stack per test file.
 */
export interface V1Stack {
  readonly base: string;
  readonly dir: string;
  readonly apiPort: number;
  readonly runnerPort: number;
  /** A fresh directory under the stack's temp dir (project roots). */
  dirFor(name: string): string;
  /** `http(method, base + path, body)`: `{status, body}`. */
  call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** The launcher on this stack's data dir: `down`, `restart runner`, … */
  launcher(args: string[]): ReturnType<typeof cli>;
  /** Pid of the API or runner-1 as the launcher recorded it. */
  pid(component: 'api' | 'runner-1'): number | null;
}

export function v1Stack(extraUpArgs: string[] = []): V1Stack {
  let dir = '';
  let apiPort = 0;
  let runnerPort = 0;
  const args = () => ['--data-dir', path.join(dir, 'data')];

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ma-v1-');
    apiPort = await freePort();
    runnerPort = await freePort();
    while (runnerPort === apiPort) runnerPort = await freePort();
    const r = await cli([
      'up',
      ...args(),
      '--api-port',
      String(apiPort),
      '--runner-port',
      String(runnerPort),
      '--dispatch',
      'manual',
      '--runner-auth',
      'off',
      ...extraUpArgs,
    ]);
    if (r.code !== 0) throw new Error(`up failed (${r.code}): ${r.stdout}\n${r.stderr}`);
  }, 90_000);

  afterAll(async () => {
    if (!dir) return;
    await cli(['down', '--kill', ...args()]);
    killLeftovers(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  return {
    get base() {
      return `http://127.0.0.1:${apiPort}`;
    },
    get dir() {
      return dir;
    },
    get apiPort() {
      return apiPort;
    },
    get runnerPort() {
      return runnerPort;
    },
    dirFor(name: string) {
      const d = path.join(dir, 'roots', name);
      fs.mkdirSync(d, { recursive: true });
      return d;
    },
    call(method, p, body) {
      return http(method, `http://127.0.0.1:${apiPort}${p}`, body);
    },
    launcher(a) {
      return cli([...a, ...args()]);
    },
    pid(component) {
      return readPidFile(path.join(dir, 'data', 'run', `${component}.pid`));
    },
  };
}
