import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { cliBin, memProbeFile } from './paths.js';

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `MULTYAGENTS_BENCH_NODE_ARGS` (space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) for profiling. */
function extraNodeArgs(): string[] {
  return (process.env.MULTYAGENTS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/**
 * Whether the processes were asked to write a profile. Node writes it only on a graceful exit, so a
 * phase that would tear its stack down with kill -9 stops it with SIGTERM instead.
 */
export function profiling(): boolean {
  return extraNodeArgs().some((a) => /^--(cpu|heap)-prof/.test(a));
}

/** A `multyagents <command>` child with the memory probe preloaded and its output in a log file. */
export class CliChild {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  private nextId = 1;
  private readonly waiters = new Map<number, (m: MemoryUsage | null) => void>();

  constructor(
    args: string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv,
    nodeArgs: string[] = [],
  ) {
    const out = fs.openSync(logFile, 'a');
    this.proc = spawn(
      process.execPath,
      [
        ...nodeArgs,
        ...extraNodeArgs(),
        // No --expose-gc unless asked (B6 passes it): it slows every start by 20-30 ms (measured,
        // spawn -> healthy 285-297 -> 320-321 ms), which B4 would count as recovery time.
        '--import',
        pathToFileURL(memProbeFile()).href,
        cliBin(),
        ...args,
      ],
      { stdio: ['ignore', out, out, 'ipc'], env },
    );
    fs.closeSync(out);
    if (this.proc.pid === undefined) throw new Error(`could not start multyagents ${args[0]}`);
    this.pid = this.proc.pid;
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        for (const w of this.waiters.values()) w(null);
        this.waiters.clear();
        resolve(this.exit);
      }),
    );
    this.proc.on('message', (m: { type?: string; id?: number; mem?: MemoryUsage }) => {
      if (m?.type !== 'mem' || m.id === undefined) return;
      this.waiters.get(m.id)?.(m.mem ?? null);
      this.waiters.delete(m.id);
    });
    // The IPC channel must not keep the benchmark alive, nor must an unhandled send error crash it.
    this.proc.on('error', () => undefined);
    this.proc.channel?.unref();
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** process.memoryUsage() of the child after a full GC; null when it is gone or does not answer. */
  mem(timeoutMs = 5_000): Promise<MemoryUsage | null> {
    if (!this.alive || !this.proc.connected) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters.delete(id);
        resolve(null);
      }, timeoutMs);
      this.waiters.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      this.proc.send({ type: 'mem', id }, (err) => {
        if (err) this.waiters.get(id)?.(null);
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 15_000): Promise<Exit> {
    if (!this.alive) return this.exit!;
    this.signal('SIGTERM');
    const t = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const e = await this.exited;
    clearTimeout(t);
    return e;
  }

  async kill9(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/**
 * Environment settings that the bench's API and runners start without, even when they are set here.
 * Node reads and parses the NODE_EXTRA_CA_CERTS file at every start, before any of our code runs: 40 ms
 * of each start on a 2-vCPU VM that sets it (measured: `node -e 0` 106 -> 66 ms), which B4 would count
 * as our recovery time. None of the bench's processes makes a TLS connection (all is loopback HTTP).
 */
export const DROPPED_ENV = ['NODE_EXTRA_CA_CERTS'] as const;

/** Environment for children: ours minus every MULTYAGENTS_* setting (hermetic) and DROPPED_ENV, plus `extra`. */
export function hermeticEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const dropped: readonly string[] = DROPPED_ENV;
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('MULTYAGENTS_') && !dropped.includes(k)) env[k] = v;
  return { ...env, ...extra };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
