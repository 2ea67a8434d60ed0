import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@multyagents/control-plane/internal/cli/ports.js';
import { BenchClient } from './http.js';
import { CliChild, hermeticEnv, sleep } from './procs.js';

export interface StackOptions {
  /** Reuse a data dir (e.g. a seeded store); a fresh temp dir otherwise. */
  dir?: string;
  dispatch?: 'auto' | 'manual';
  durability?: 'full' | 'relaxed';
  /** Extra environment of the API process (e.g. MULTYAGENTS_HEARTBEAT_TIMEOUT_MS). */
  apiEnv?: Record<string, string>;
  label?: string;
  /** Extra node flags for the API and runner processes (e.g. --cpu-prof for profiling). */
  nodeArgs?: string[];
}

export interface RunnerSpec {
  capacity: number;
  heartbeatMs?: number;
}

export interface RunnerProc {
  index: number;
  name: string;
  port: number;
  child: CliChild;
  ledger: string;
  dataDir: string;
}

export interface RunnerView {
  id: number;
  name: string;
  liveness: string;
  last_seen_at: string;
  unreachable_since: string | null;
}

/**
 * A private API + runners on free loopback ports with their own data dir, started as real
 * `multyagents api` / `multyagents runner` processes. Nothing here touches the caller's stack.
 */
export class BenchStack {
  readonly dir: string;
  readonly ownsDir: boolean;
  apiPort = 0;
  api: CliChild | null = null;
  readonly runners: RunnerProc[] = [];
  client!: BenchClient;
  private apiStarts = 0;

  constructor(readonly opts: StackOptions = {}) {
    this.ownsDir = !opts.dir;
    this.dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `multyagents-${opts.label ?? 'bench'}-`));
    fs.mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get dbFile(): string {
    return path.join(this.dir, 'multyagents.db');
  }

  get tokenFile(): string {
    return path.join(this.dir, 'runner-token');
  }

  token(): string {
    return fs.readFileSync(this.tokenFile, 'utf8').trim();
  }

  /** Spawn the API (same port on a restart) and wait for its first healthy answer. */
  async startApi(timeoutMs = 30_000): Promise<{ spawnToHealthyMs: number }> {
    if (!this.apiPort) this.apiPort = await freePort();
    this.apiStarts++;
    const args = ['api', '--port', String(this.apiPort), '--host', '127.0.0.1', '--data-dir', this.dir];
    args.push('--dispatch', this.opts.dispatch ?? 'auto', '--durability', this.opts.durability ?? 'full');
    args.push('--log-file', path.join(this.dir, 'logs', `api-${this.apiStarts}.log`));
    const t0 = performance.now();
    this.api = new CliChild(
      args,
      path.join(this.dir, 'logs', `api-${this.apiStarts}.out`),
      {
        // Bench projects live in the temp directory: the API is told so (not a default).
        ...hermeticEnv({ MULTYAGENTS_PROJECT_ROOTS: os.tmpdir(), ...this.opts.apiEnv }),
      },
      this.opts.nodeArgs,
    );
    this.client ??= new BenchClient(this.apiUrl, { connections: 16 });
    const ms = await this.waitHealthy(this.api, t0, timeoutMs);
    return { spawnToHealthyMs: ms };
  }

  /** Poll /health every 5 ms; returns ms since `t0` of the first 200. */
  async waitHealthy(child: CliChild, t0: number, timeoutMs: number): Promise<number> {
    const deadline = t0 + timeoutMs;
    for (;;) {
      if (!child.alive) {
        throw new Error(`the API exited (${JSON.stringify(child.exit)}); see ${child.logFile}`);
      }
      try {
        const r = await this.client.call('GET', '/health');
        if (r.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) throw new Error(`the API was not healthy within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  async addRunner(spec: RunnerSpec): Promise<RunnerProc> {
    const index = this.runners.length + 1;
    const port = await freePort();
    const name = `bench-runner-${index}`;
    const dataDir = path.join(this.dir, 'runners', `runner-${index}`);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const ledger = path.join(dataDir, 'effects.jsonl');
    const args = ['runner', '--port', String(port), '--api', this.apiUrl, '--data-dir', dataDir];
    args.push('--executor', 'mock', '--capacity', String(spec.capacity), '--name', name, '--ledger', ledger);
    if (spec.heartbeatMs) args.push('--heartbeat-ms', String(spec.heartbeatMs));
    args.push('--log-file', path.join(this.dir, 'logs', `${name}.log`));
    const child = new CliChild(
      args,
      path.join(this.dir, 'logs', `${name}.out`),
      hermeticEnv({ MULTYAGENTS_RUNNER_TOKEN_FILE: this.tokenFile }),
      this.opts.nodeArgs,
    );
    const r: RunnerProc = { index, name, port, child, ledger, dataDir };
    this.runners.push(r);
    await this.waitRunnerOnline(r);
    return r;
  }

  async waitRunnerOnline(r: RunnerProc, timeoutMs = 30_000): Promise<RunnerView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!r.child.alive) throw new Error(`${r.name} exited; see ${r.child.logFile}`);
      const list = await this.client.get<RunnerView[]>('/runners').catch(() => []);
      const me = list.find((x) => x.name === r.name);
      if (me && me.liveness === 'online') return me;
      if (Date.now() > deadline) throw new Error(`${r.name} did not register within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  async runnerView(name: string): Promise<RunnerView | undefined> {
    return (await this.client.get<RunnerView[]>('/runners')).find((x) => x.name === name);
  }

  /** Runners first (they drain and report to a still-running API), then the API. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.child.stop()));
    if (this.api) await this.api.stop();
  }

  async stopApi(): Promise<void> {
    if (this.api) await this.api.stop();
  }

  async dispose(keep = false): Promise<void> {
    await this.stop().catch(() => undefined);
    for (const r of this.runners) if (r.child.alive) await r.child.kill9();
    if (this.api?.alive) await this.api.kill9();
    await this.client?.close().catch(() => undefined);
    if (this.ownsDir && !keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
