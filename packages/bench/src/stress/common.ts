import { BenchClient, type Reply } from '../http.js';
import { mulberry32 } from '@multyagents/drills/rng.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SuiteReport {
  suite: string;
  overall_status: 'pass' | 'fail';
  config: Record<string, unknown>;
  checks: Check[];
  summary: Record<string, unknown>;
  timings_ms: Record<string, number>;
  /** The private stack's temp dir (removed at the end unless kept). */
  stack: { data_dir: string; kept: boolean };
  details?: Record<string, unknown>;
}

/** Collects checks; a suite passes only when it made at least one and all hold. */
export class Checks {
  readonly list: Check[] = [];
  add(name: string, ok: boolean, detail: string): boolean {
    this.list.push({ name, ok, detail });
    return ok;
  }
  get ok(): boolean {
    return this.list.length > 0 && this.list.every((c) => c.ok);
  }
}

/**
 * An operator client that remembers every answer's status, so a suite can assert "no 5xx" over
 * all the calls it made (a request that could not be made at all counts as an error too).
 */
export class TrackedClient {
  readonly statuses = new Map<number, number>();
  readonly serverErrors: string[] = [];
  transportErrors = 0;
  readonly http: BenchClient;

  constructor(baseUrl: string, connections = 32, headers?: Record<string, string>) {
    this.http = new BenchClient(baseUrl, { connections, headers });
  }

  async call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply<T>> {
    let r: Reply<T>;
    try {
      r = await this.http.call<T>(method, path, body ?? (method === 'POST' ? {} : undefined));
    } catch (err) {
      this.transportErrors++;
      throw err;
    }
    this.statuses.set(r.status, (this.statuses.get(r.status) ?? 0) + 1);
    if (r.status >= 500 && this.serverErrors.length < 20)
      this.serverErrors.push(`${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    return r;
  }

  async ok<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status < 200 || r.status >= 300)
      throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  count5xx(): number {
    let n = 0;
    for (const [s, c] of this.statuses) if (s >= 500) n += c;
    return n;
  }

  statusCounts(): Record<string, number> {
    return Object.fromEntries([...this.statuses].sort((a, b) => a[0] - b[0]).map(([s, c]) => [String(s), c]));
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Print the report as JSON, then `[suite] PASS|FAIL`; the exit code for the command. */
export function emit(r: SuiteReport): number {
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`[${r.suite}] ${r.overall_status === 'pass' ? 'PASS' : 'FAIL'}\n`);
  return r.overall_status === 'pass' ? 0 : 1;
}

/** Settle all, never reject: races want every outcome, including thrown ones. */
export async function race<T>(fns: Array<() => Promise<T>>): Promise<Array<T | Error>> {
  const out = await Promise.allSettled(fns.map((f) => f()));
  return out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error)));
}

export function shuffle<T>(xs: T[], random: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** A deterministic PRNG (the drills' mulberry32) so a failing race order can be replayed with --seed. */
export const seeded = mulberry32;
