import { wallMs } from './clock.js';
import { BenchClient } from './http.js';
import { sleep } from './procs.js';

/** One request of a load run: times are wall ms (see clock.ts). */
export interface Sample {
  intended: number;
  sent: number;
  done: number;
  status: number | null;
  run_id: number | null;
  error?: string;
}

export interface OpenLoopParams {
  url: string;
  templateId: number;
  rate: number;
  durationMs: number;
  connections: number;
  /** Give up on requests still unanswered this long after the last intended send. */
  drainMs?: number;
}

/**
 * Open-loop load: request i is due at t0 + i/rate whatever happened to the earlier ones, and its
 * latency counts from that intended time — so a slow server cannot slow the load down and hide
 * its own queueing (no coordinated omission). Connection errors are recorded, not retried.
 */
export async function openLoop(p: OpenLoopParams): Promise<Sample[]> {
  const client = new BenchClient(p.url, { connections: p.connections, timeoutMs: 60_000 });
  const n = Math.max(1, Math.round((p.rate * p.durationMs) / 1000));
  const interval = 1000 / p.rate;
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const t0 = wallMs() + 10;
  const body = { workflow_template_id: p.templateId, initiated_by: 'bench' };
  let i = 0;
  while (i < n) {
    const wait = t0 + i * interval - wallMs();
    if (wait > 0) await sleep(Math.max(1, Math.floor(wait)));
    const now = wallMs();
    while (i < n && t0 + i * interval <= now) {
      const intended = t0 + i * interval;
      const sent = wallMs();
      pending.push(
        client.call<{ id?: number }>('POST', '/workflow-runs', body).then(
          (r) => {
            samples.push({ intended, sent, done: wallMs(), status: r.status, run_id: r.body?.id ?? null });
          },
          (err: Error) => {
            samples.push({ intended, sent, done: wallMs(), status: null, run_id: null, error: err.message });
          },
        ),
      );
      i++;
    }
  }
  await Promise.race([Promise.all(pending), sleep(p.drainMs ?? 60_000)]);
  // Requests still unanswered are recorded as given up now: their latency is at least this much,
  // so percentiles that include them are lower bounds (a saturated server cannot look fast).
  const gaveUp = wallMs();
  const answered = new Set(samples.map((s) => s.intended));
  for (let k = 0; k < n; k++) {
    const intended = t0 + k * interval;
    if (!answered.has(intended))
      samples.push({
        intended,
        sent: intended,
        done: gaveUp,
        status: null,
        run_id: null,
        error: 'unanswered',
      });
  }
  await client.destroy().catch(() => undefined);
  return samples.sort((a, b) => a.intended - b.intended);
}

/** One client, one request at a time (closed loop): the latency of an idle API. */
export async function closedLoop(p: {
  url: string;
  templateId: number;
  count: number;
  /** Stop early after this long (a degraded store must not stall the benchmark). */
  maxMs?: number;
}): Promise<Sample[]> {
  const client = new BenchClient(p.url, { connections: 1 });
  const body = { workflow_template_id: p.templateId, initiated_by: 'bench' };
  const samples: Sample[] = [];
  const until = wallMs() + (p.maxMs ?? Infinity);
  for (let i = 0; i < p.count && wallMs() < until; i++) {
    const sent = wallMs();
    const r = await client.call<{ id?: number }>('POST', '/workflow-runs', body);
    samples.push({ intended: sent, sent, done: wallMs(), status: r.status, run_id: r.body?.id ?? null });
  }
  await client.close();
  return samples;
}

export interface ThroughputParams {
  url: string;
  templateId: number;
  runs: number;
  /** Runs in flight at once (created, not yet terminal). */
  window: number;
  pollMs: number;
  /** Stop creating runs after this long (the runs in flight still finish). */
  createForMs?: number;
  timeoutMs: number;
}

export interface ThroughputResult {
  started_at: number;
  finished_at: number;
  run_ids: number[];
  succeeded: number;
  failed: number;
  create_errors: number;
  timed_out: boolean;
}

interface RunEvent {
  id: number;
  run_id: number | null;
  event_type: string;
}

/**
 * Closed-loop throughput: `window` runs in flight; a slot creates its next run when the previous one
 * reaches a terminal state. Completions are learned from the run events (one indexed query per poll).
 */
export async function throughput(p: ThroughputParams): Promise<ThroughputResult> {
  const client = new BenchClient(p.url, { connections: Math.min(64, p.window + 2), timeoutMs: 60_000 });
  const waiting = new Map<number, (ok: boolean) => void>();
  const early = new Map<number, boolean>();
  const runIds: number[] = [];
  let succeeded = 0;
  let failed = 0;
  let createErrors = 0;
  let created = 0;
  let stop = false;
  const after = new Map<string, number>([
    ['workflow_run.succeeded', 0],
    ['workflow_run.failed', 0],
    ['workflow_run.aborted', 0],
  ]);

  const settle = (e: RunEvent) => {
    if (e.run_id === null) return;
    const ok = e.event_type === 'workflow_run.succeeded';
    const w = waiting.get(e.run_id);
    if (w) {
      waiting.delete(e.run_id);
      w(ok);
    } else early.set(e.run_id, ok);
  };
  // One cursor per event type: each indexed query (events_type) sees every event of its type once.
  // Start the cursors at the API's last start: no run we create has an event before it, and a store
  // holding a million finished runs must not be paged through first.
  const starts = await client.get<RunEvent[]>('/events?event_type=api.started&limit=100000').catch(() => []);
  const since = starts.length ? starts[starts.length - 1].id : 0;
  for (const k of after.keys()) after.set(k, since);
  const poller = (async () => {
    // Successes every poll; failures and aborts (anomalies here) every 25th, to keep the
    // benchmark's own read load on the API small.
    for (let n = 0; !stop; n++) {
      for (const [type, afterId] of after) {
        if (type !== 'workflow_run.succeeded' && n % 25 !== 0) continue;
        const evs = await client
          .get<RunEvent[]>(`/events?event_type=${type}&after_id=${afterId}&limit=100000`)
          .catch(() => [] as RunEvent[]);
        for (const e of evs) settle(e);
        if (evs.length) after.set(type, evs[evs.length - 1].id);
      }
      await sleep(p.pollMs);
    }
  })();

  const startedAt = wallMs();
  let finishedAt = startedAt;
  const deadline = startedAt + p.timeoutMs;
  const createUntil = startedAt + (p.createForMs ?? Infinity);
  const slot = async () => {
    while (!stop && created < p.runs && wallMs() < createUntil) {
      created++;
      const r = await client
        .call<{ id?: number }>('POST', '/workflow-runs', { workflow_template_id: p.templateId })
        .catch(() => null);
      const id = r?.status === 200 ? r.body?.id : undefined;
      if (id === undefined) {
        createErrors++;
        continue;
      }
      runIds.push(id);
      // After the timeout nobody settles waiters any more: a run created that late is not waited for.
      const ok = early.has(id)
        ? early.get(id)!
        : stop
          ? false
          : await new Promise<boolean>((resolve) => waiting.set(id, resolve));
      if (ok) succeeded++;
      else failed++;
      finishedAt = wallMs();
    }
  };
  const timer = setTimeout(() => {
    stop = true;
    for (const w of waiting.values()) w(false);
  }, p.timeoutMs);
  await Promise.all(Array.from({ length: p.window }, slot));
  clearTimeout(timer);
  const timedOut = wallMs() >= deadline;
  stop = true;
  await poller;
  await client.close();
  return {
    started_at: startedAt,
    finished_at: finishedAt,
    run_ids: runIds,
    succeeded,
    failed: timedOut ? runIds.length - succeeded : failed,
    create_errors: createErrors,
    timed_out: timedOut,
  };
}
