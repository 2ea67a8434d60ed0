import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { backoffMs, classifyDelivery, originOf, probeDelayMs } from './decisions.js';
import { describeError, type Transport } from './http.js';
import type { Journal, OutboxRow } from './journal.js';
import { planSends, REPORTS_PER_REQUEST } from './reportBatch.js';

/** Due reports one pass takes at most (a few batch requests' worth). */
const ROWS_PER_PASS = 4 * REPORTS_PER_REQUEST;

export interface OutboxOptions {
  capMs: number;
  /** Requests in flight at once (a report per attempt at most: an attempt's reports go in order). */
  concurrency: number;
  random: () => number;
  /** Filled into every report at send time (the id may arrive after the report was written). */
  runnerId: () => number | null;
  /**
   * Whether the API at an origin answers again (its /health), or null for an origin it will not probe.
   * Asked only while reports to that origin wait on a network error (see `probe()`); none: no probing.
   */
  probe?: (origin: string) => Promise<boolean> | null;
  /** Probe interval while reports wait on a network error (see probeDelayMs). */
  probeMs?: number;
}

/**
 * Delivers the journal's outbox until every report is settled. A pass sends the due head report of
 * every attempt, several per request when they go to the same API (reportBatch.ts); each answer is classified (ack / answered / dead / retry, see classifyDelivery) and
 * recorded in the journal before the next report of that attempt may go. Tests drive `pass()` with a
 * fake clock; `start()` makes the loop run by itself with timers.
 */
export class Outbox {
  /** Attempt key → id of its report on the wire (one per attempt: an attempt's reports go in order). */
  private readonly inflight = new Map<string, number>();
  /** Requests on the wire (a batch request carries many reports). */
  private requests = 0;
  /** Batch endpoints that answered 404: that API takes reports one by one. */
  private readonly noBatch = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private passQueued = false;
  /**
   * Origins whose last delivery found no API at all (network error), with the monotonic time of the
   * first such failure. Their reports wait for a retry time that grows up to capMs; the probe (or a
   * heartbeat, see reachable) notices the API's return well before that.
   */
  private readonly unreachable = new Map<string, number>();
  /** Origins the probe declined: only an answer to one of their reports ends their backoff early. */
  private readonly unprobed = new Set<string>();
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly journal: Journal,
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: OutboxOptions,
  ) {}

  start(): void {
    this.running = true;
    this.wake();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  /** Run a pass soon (coalesced). */
  wake(): void {
    if (!this.running || this.passQueued) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      void this.pass();
    });
  }

  /** The id of the attempt's report being sent right now, if any (see Journal.finish). */
  inFlight(taskId: number, attempt: number): number | null {
    return this.inflight.get(`${taskId}:${attempt}`) ?? null;
  }

  get pending(): number {
    return this.journal.pendingCount();
  }

  /** Send every due head report; resolves when the sends started by this pass are settled. */
  async pass(): Promise<void> {
    const now = this.clock.now();
    const sends: Array<Promise<void>> = [];
    if (this.requests < this.opts.concurrency) {
      const rows = this.journal.dueHeads(now, ROWS_PER_PASS, this.inflight);
      for (const send of planSends(rows, this.noBatch)) {
        if (this.requests >= this.opts.concurrency) break;
        const batch = send.kind === 'batch' ? send.rows : [send.row];
        const keys = batch.map((r) => `${r.task_id}:${r.attempt}`);
        batch.forEach((r, i) => this.inflight.set(keys[i]!, r.id));
        this.requests++;
        const sent =
          send.kind === 'batch' ? this.sendBatch(send.url, send.token, send.rows) : this.send(send.row);
        sends.push(
          sent.finally(() => {
            this.requests--;
            for (const k of keys) this.inflight.delete(k);
          }),
        );
      }
    }
    if (this.running) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      const nextDue = this.journal.nextDueAfter(now);
      if (nextDue !== null) {
        this.timer = setTimeout(() => this.wake(), Math.max(1, nextDue - this.clock.now()));
      }
    }
    await Promise.all(sends);
  }

  /**
   * The API at `origin` answers again: every report to it that waits only because the last try found no
   * API becomes due now, and a pass runs. Cheap when nothing waited on that origin (no SQL), unless
   * `force` (a fresh registration: reports may have waited across a runner restart). Returns how many.
   */
  reachable(origin: string, force = false): number {
    if (!force && !this.unreachable.has(origin)) return 0;
    this.unreachable.delete(origin);
    const n = this.journal.retryNetworkFailedNow(origin, this.clock.now());
    if (n > 0) {
      this.logger.info(
        { api: origin, reports: n },
        'API reachable again: reports waiting for it are due now',
      );
      this.wake();
    }
    return n;
  }

  /** Origins whose reports wait on a network error (the probe's work list). */
  get waitingOnNetwork(): string[] {
    return [...this.unreachable.keys()];
  }

  /**
   * One probe round: ask each origin whose reports wait on a network error whether its API answers
   * again, and make those reports due at once if so. With nothing pending any more there is nothing
   * to wait for. `start()` runs rounds on a timer while there is work; tests call it directly.
   */
  async probe(): Promise<void> {
    if (this.unreachable.size > 0 && this.pending === 0) this.unreachable.clear();
    for (const origin of this.probeable()) {
      const asked = this.opts.probe?.(origin) ?? null;
      if (asked === null) {
        this.unprobed.add(origin);
        continue;
      }
      const up = await asked.catch(() => false);
      if (up) this.reachable(origin);
    }
  }

  private probeable(): string[] {
    return [...this.unreachable.keys()].filter((o) => !this.unprobed.has(o));
  }

  private scheduleProbe(): void {
    if (!this.running || !this.opts.probe || this.probeTimer) return;
    const origins = this.probeable();
    if (origins.length === 0) return;
    const since = Math.min(...origins.map((o) => this.unreachable.get(o)!));
    const delay = probeDelayMs(this.clock.monotonic() - since, this.opts.probeMs ?? 100);
    this.probeTimer = setTimeout(() => {
      void this.probe().finally(() => {
        this.probeTimer = null;
        this.scheduleProbe();
      });
    }, delay);
  }

  /** Deliver what can be delivered within `ms` (used on shutdown). */
  async flush(ms: number): Promise<void> {
    const deadline = this.clock.monotonic() + ms;
    while (this.pending > 0 && this.clock.monotonic() < deadline) {
      await this.pass();
      if (this.pending > 0) await new Promise((r) => setTimeout(r, 50));
    }
  }

  private body(row: OutboxRow): Record<string, unknown> {
    const body = { ...(JSON.parse(row.body) as Record<string, unknown>) };
    body.runner_id = this.opts.runnerId() ?? body.runner_id ?? null;
    return body;
  }

  private async send(row: OutboxRow): Promise<void> {
    let status: number | null = null;
    let note: string;
    try {
      const r = await this.transport.post(row.url, row.token, this.body(row));
      status = r.status;
      note = r.text.slice(0, 1000);
    } catch (err) {
      note = describeError(err);
    }
    this.record(row, status, note);
    this.wake();
  }

  /**
   * Several reports in one `POST /runner/reports`: each answer is recorded as if the report had been
   * sent alone. A batch refused as a whole with a 4xx that retrying would not change (no such endpoint
   * on an older API, or a body it cannot take) goes out report by report at once, so that each gets
   * its own verdict; a batch that did not get through (network, 5xx, 429) is retried report by report.
   */
  private async sendBatch(url: string, token: string, rows: OutboxRow[]): Promise<void> {
    let status: number | null = null;
    let note: string;
    let results: unknown;
    try {
      const r = await this.transport.post(url, token, {
        reports: rows.map((row) => ({ ...this.body(row), task_id: row.task_id })),
      });
      status = r.status;
      note = r.text.slice(0, 1000);
      results = r.json?.results;
    } catch (err) {
      note = describeError(err);
    }
    if (status === 200 && Array.isArray(results) && results.length === rows.length) {
      rows.forEach((row, i) => {
        const x = (results as Array<{ status_code?: unknown; code?: unknown; detail?: unknown }>)[i]!;
        const code = typeof x.status_code === 'number' ? x.status_code : null;
        this.record(
          row,
          code,
          code !== null && code < 300 ? '' : JSON.stringify({ code: x.code, detail: x.detail }),
        );
      });
    } else if (status !== null && classifyDelivery(status) !== 'retry' && status !== 200) {
      if (status === 404 || status === 405) this.noBatch.add(url);
      else
        this.logger.warn(
          { url, status, answer: note },
          'batched status reports refused: sending them one by one',
        );
      for (const row of rows) await this.send(row);
    } else {
      for (const row of rows) this.record(row, status === 200 ? 502 : status, note);
    }
    this.wake();
  }

  /**
   * Any HTTP answer means the API is there: the other reports that wait for it only because it was
   * not go now (a retry that got through must not leave them to their backoff). No answer at all means
   * it is not there: probe it.
   */
  private noteReachability(url: string, status: number | null): void {
    // The common case, an answer while nothing waits on the network: no URL to parse per report.
    if (status !== null && this.unreachable.size === 0) return;
    const origin = originOf(url);
    if (origin === null) return;
    if (status !== null) this.reachable(origin);
    else if (!this.unreachable.has(origin)) {
      this.unreachable.set(origin, this.clock.monotonic());
      this.scheduleProbe();
    }
  }

  /** Settle or reschedule one report from the API's answer to it (see classifyDelivery). */
  private record(row: OutboxRow, status: number | null, note: string): void {
    const verdict = classifyDelivery(status);
    const log = this.logger.child({ taskId: row.task_id, attempt: row.attempt, kind: row.kind, status });
    const nowIso = new Date(this.clock.now()).toISOString();
    this.noteReachability(row.url, status);
    if (verdict === 'ack') this.journal.settle(row.id, 'acked', status, null, nowIso);
    else if (verdict === 'answered') {
      log.warn({ answer: note }, 'status report refused by the API with 409 (stale or terminal): recorded');
      this.journal.settle(row.id, 'answered', status, note, nowIso);
    } else if (verdict === 'dead') {
      log.error(
        { answer: note, url: row.url },
        'status report REJECTED by the API: kept as a dead letter in the runner outbox, not retried',
      );
      this.journal.settle(row.id, 'dead', status, note, nowIso);
    } else {
      const delay = backoffMs(row.tries + 1, this.opts.capMs, this.opts.random);
      if (row.tries === 0 || row.tries % 20 === 0) {
        log.warn(
          { error: note, retryInMs: delay, tries: row.tries + 1 },
          'status report not delivered: will retry',
        );
      }
      this.journal.retryLater(row.id, this.clock.now() + delay, status, note, nowIso);
    }
  }
}
