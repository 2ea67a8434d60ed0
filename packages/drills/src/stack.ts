/**
 * One drill's private system: an API and runners as real child processes on free loopback ports,
 * a temp data dir inside the drill's evidence folder, optional fault proxies between them, and a
 * rollback (`teardown`) that always leaves nothing running: resume what is paused, remove toxics,
 * stop runners and the API, kill what refuses, and kill agents the ledger names if any survived.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from './client.js';
import { readLedgerFile } from './history.js';
import { childEnv, ManagedProcess, type Env } from './processes.js';
import { cmdlineOf, isAlive, signal, waitUntil } from './procinfo.js';
import { FaultProxy } from './proxy.js';
import type { HarnessRegistry } from './registry.js';
import { mulberry32 } from './rng.js';
import type { DrillTimeouts } from './schedule.js';

export const HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export interface RunnerOptions {
  capacity?: number;
  /** Listen on this port (e.g. one a proxy already forwards to); default a free one. */
  port?: number;
  /** Runner → API traffic goes through this proxy (registration, heartbeats). */
  apiUrl?: string;
  /** API → runner traffic goes to this URL (a proxy in front of the runner). */
  publicUrl?: string;
  /** How long a SIGTERM'd runner lets running attempts finish (default 300 ms: drills stop fast). */
  drainMs?: number;
  /** Extra environment of the runner process (e.g. libfaketime's LD_PRELOAD). */
  env?: Record<string, string>;
}

export interface RunnerHandle {
  index: number;
  name: string;
  port: number;
  dataDir: string;
  url: string;
  proc: ManagedProcess;
  id: number | null;
  opts: RunnerOptions;
}

export interface StackOptions {
  dir: string;
  timeouts: DrillTimeouts;
  registry: HarnessRegistry | null;
  baseEnv: Env;
  seed: number;
}

export class DrillStack {
  readonly dataDir: string;
  readonly apiDataDir: string;
  readonly ledgerFile: string;
  apiPort = 0;
  api: ManagedProcess | null = null;
  apiPublicUrl: string | null = null;
  apiExtraEnv: Record<string, string> = {};
  readonly runners: RunnerHandle[] = [];
  readonly proxies: FaultProxy[] = [];
  /** Every API process this stack started (restarts included), for the evidence. */
  readonly apiPids: number[] = [];
  readonly client: ApiClient;
  private proxySeed: number;
  /** Set when rollback starts: a drill that outlived its time limit may not start anything new. */
  private closed = false;

  constructor(readonly opts: StackOptions) {
    this.dataDir = path.join(opts.dir, 'data');
    this.apiDataDir = path.join(this.dataDir, 'api');
    this.ledgerFile = path.join(opts.dir, 'ledger.jsonl');
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    opts.registry?.addLedger(this.ledgerFile);
    this.client = new ApiClient('http://0.0.0.0');
    this.proxySeed = opts.seed;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the drill was rolled back: no new process or proxy may start');
  }

  get apiUrl(): string {
    return `http://${HOST}:${this.apiPort}`;
  }

  private apiEnv(): Record<string, string> {
    const t = this.opts.timeouts;
    return childEnv(this.opts.baseEnv, {
      MULTYAGENTS_HEARTBEAT_TIMEOUT_MS: String(t.heartbeatTimeoutMs),
      MULTYAGENTS_LOST_GRACE_MS: String(t.lostGraceMs),
      MULTYAGENTS_SCHEDULER_INTERVAL_MS: String(t.schedulerIntervalMs),
      MULTYAGENTS_RUNNER_CALL_TIMEOUT_MS: String(t.runnerCallTimeoutMs),
      MULTYAGENTS_LOG_LEVEL: 'info',
      // Drill projects live in the temp directory: the API is told so (not a default).
      MULTYAGENTS_PROJECT_ROOTS: os.tmpdir(),
      ...this.apiExtraEnv,
    });
  }

  /** Start (or restart) the API on the stack's port and wait until it answers /health. */
  async startApi(opts: { publicUrl?: string; env?: Record<string, string> } = {}): Promise<ManagedProcess> {
    this.assertOpen();
    if (this.apiPort === 0) this.apiPort = await freePort();
    if (opts.publicUrl !== undefined) this.apiPublicUrl = opts.publicUrl;
    if (opts.env) this.apiExtraEnv = opts.env;
    this.client.baseUrl = this.apiUrl;
    const args = [
      '--port',
      String(this.apiPort),
      '--host',
      HOST,
      '--data-dir',
      this.apiDataDir,
      '--dispatch',
      'auto',
    ];
    if (this.apiPublicUrl) args.push('--public-url', this.apiPublicUrl);
    const proc = ManagedProcess.spawn({
      name: 'api',
      role: 'api',
      args,
      env: this.apiEnv(),
      logFile: path.join(this.opts.dir, 'api.log'),
      registry: this.opts.registry,
    });
    this.api = proc;
    this.apiPids.push(proc.pid);
    const up = await waitUntil(
      async () => proc.exit !== null || (await this.client.healthy()),
      this.opts.timeouts.startupMs,
    );
    if (!up || proc.exit !== null) {
      throw new Error(`API did not come up (exit ${JSON.stringify(proc.exit)}): ${proc.logTail(800)}`);
    }
    return proc;
  }

  /** Start a second API process on the same data dir (expected to be refused); never becomes `this.api`. */
  spawnExtraApi(port: number): ManagedProcess {
    this.assertOpen();
    return ManagedProcess.spawn({
      name: 'api-2',
      role: 'api',
      args: ['--port', String(port), '--host', HOST, '--data-dir', this.apiDataDir],
      env: this.apiEnv(),
      logFile: path.join(this.opts.dir, 'api-2.log'),
      registry: this.opts.registry,
    });
  }

  runnerToken(): string {
    return fs.readFileSync(path.join(this.apiDataDir, 'runner-token'), 'utf8').trim();
  }

  /** Start runner `index` (a new one, or the same identity again: same port, data dir and name). */
  async startRunner(index: number, opts: RunnerOptions = {}, waitOnline = true): Promise<RunnerHandle> {
    this.assertOpen();
    const t = this.opts.timeouts;
    const known = this.runners[index];
    // A second process for the same identity would leave the first one outside the rollback's reach.
    if (known?.proc.running)
      throw new Error(
        `runner ${index + 1} (pid ${known.proc.pid}) is still running: stop it before starting it again`,
      );
    const port = known?.port ?? opts.port ?? (await freePort());
    const o = known ? { ...known.opts, ...opts } : opts;
    const name = `chaos-runner-${index + 1}`;
    const dataDir = path.join(this.dataDir, `runner-${index + 1}`);
    const args = [
      '--port',
      String(port),
      '--host',
      HOST,
      '--api',
      o.apiUrl ?? this.apiUrl,
      '--data-dir',
      dataDir,
      '--executor',
      'mock',
      '--capacity',
      String(o.capacity ?? 2),
      '--heartbeat-ms',
      String(Math.max(50, Math.floor(t.heartbeatTimeoutMs / 5))),
      '--ledger',
      this.ledgerFile,
      '--name',
      name,
      '--kill-grace-ms',
      String(t.killGraceMs),
      '--drain-ms',
      String(o.drainMs ?? 300),
      '--log-level',
      'info',
    ];
    if (o.publicUrl) args.push('--public-url', o.publicUrl);
    const proc = ManagedProcess.spawn({
      name,
      role: 'runner',
      args,
      env: childEnv(this.opts.baseEnv, {
        MULTYAGENTS_RUNNER_TOKEN_FILE: path.join(this.apiDataDir, 'runner-token'),
        MULTYAGENTS_RUNNER_API_TIMEOUT_MS: String(t.runnerApiTimeoutMs),
        MULTYAGENTS_RUNNER_OUTBOX_CAP_MS: String(t.outboxCapMs),
        MULTYAGENTS_RUNNER_TOKEN_WAIT_MS: '10000',
        ...o.env,
      }),
      logFile: path.join(this.opts.dir, `runner-${index + 1}.log`),
      registry: this.opts.registry,
    });
    const handle: RunnerHandle = {
      index,
      name,
      port,
      dataDir,
      url: `http://${HOST}:${port}`,
      proc,
      id: known?.id ?? null,
      opts: o,
    };
    this.runners[index] = handle;
    if (waitOnline) {
      const since = Date.now();
      const r = await waitUntil(async () => {
        if (proc.exit !== null) return 'exited';
        const list =
          await this.client.get<Array<{ id: number; name: string; liveness: string; last_seen_at: string }>>(
            '/runners',
          );
        const me = list.find((x) => x.name === name);
        return me && me.liveness === 'online' && Date.parse(me.last_seen_at) >= since - 1000 ? me : null;
      }, t.startupMs);
      if (!r || r === 'exited') throw new Error(`runner ${name} did not come online: ${proc.logTail(800)}`);
      handle.id = r.id;
    }
    return handle;
  }

  /** A fault proxy in front of `upstreamPort`, seeded from the drill's seed. */
  async proxy(name: string, upstreamPort: number): Promise<FaultProxy> {
    this.assertOpen();
    this.proxySeed = (this.proxySeed * 31 + this.proxies.length + 7) >>> 0;
    const p = new FaultProxy({
      name,
      upstream: { host: HOST, port: upstreamPort },
      random: mulberry32(this.proxySeed),
    });
    await p.start();
    this.proxies.push(p);
    return p;
  }

  /**
   * Rollback: runs whatever happened before. Resume, heal, stop (SIGTERM, then SIGKILL), and make sure
   * no agent the ledger knows survived. Returns what it had to do, for the evidence.
   */
  async teardown(): Promise<{ stopped: string[]; forced: string[]; agents_killed: number[] }> {
    this.closed = true;
    const out = { stopped: [] as string[], forced: [] as string[], agents_killed: [] as number[] };
    for (const p of this.proxies) {
      p.clearToxics();
      await p.close().catch(() => undefined);
    }
    const procs = [...this.runners.map((r) => r?.proc), this.api].filter((p): p is ManagedProcess => !!p);
    for (const p of procs) if (p.paused) p.signal('SIGCONT');
    for (const p of procs) {
      const how = await p.stop(3000).catch(() => 'SIGKILL' as const);
      if (how === 'SIGKILL') out.forced.push(`${p.name} (${p.pid})`);
      else if (how === 'SIGTERM') out.stopped.push(`${p.name} (${p.pid})`);
      if (p.running) p.killGroup();
    }
    // The runner's reaper kills agents of a dead runner after its grace; wait for it, then make sure.
    const agents = readLedgerFile(this.ledgerFile)
      .flatMap((l) => [l.pid, l.child_pid ?? null])
      .filter((p): p is number => typeof p === 'number');
    await waitUntil(() => agents.every((p) => !isAlive(p)), 3000, 50);
    for (const pid of agents) {
      const cmd = cmdlineOf(pid);
      if (isAlive(pid) && (cmd.includes('mockAgent') || cmd.includes('1e9'))) {
        signal(pid, 'SIGKILL');
        out.agents_killed.push(pid);
      }
    }
    await this.client.close();
    // What drills set up outside processes (a tmpfs under the data dir), undone last, newest first.
    for (const fn of this.teardowns.splice(0).reverse()) {
      try {
        fn();
      } catch {
        // Best effort: the next harness sweeps what is left.
      }
    }
    return out;
  }

  private readonly teardowns: Array<() => void> = [];

  /** Run `fn` at teardown, after every process stopped. */
  onTeardown(fn: () => void): void {
    this.teardowns.push(fn);
  }
}
