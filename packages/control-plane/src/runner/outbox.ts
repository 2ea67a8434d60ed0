import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { backoffMs, classifyDelivery } from './decisions.js';
import { describeError, type Transport } from './http.js';
import type { Journal, OutboxRow } from './journal.js';

export interface OutboxOptions {
  capMs: number;
  /** Reports in flight at once (one per attempt at most: an attempt's reports go in order). */
  concurrency: number;
  random: () => number;
  /** Filled into every report at send time (the id may arrive after the report was written). */
  runnerId: () => number | null;
}

/**
 * Delivers the journal's outbox until every report is settled. A pass sends the due head report of
 * every attempt; each answer is classified (ack / answered / dead / retry, see classifyDelivery) and
 * recorded in the journal before the next report of that attempt may go. Tests drive `pass()` with a
 * fake clock; `start()` makes the loop run by itself with timers.
 */
export class Outbox {
  /** Attempt key → id of its report on the wire (one per attempt: an attempt's reports go in order). */
  private readonly inflight = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private passQueued = false;

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
    const free = this.opts.concurrency - this.inflight.size;
    // The report on the wire of each attempt is still its (due) head: ask for that many more rows.
    const rows = free > 0 ? this.journal.dueHeads(now, free + this.inflight.size) : [];
    for (const row of rows) {
      const key = `${row.task_id}:${row.attempt}`;
      if (this.inflight.has(key)) continue;
      if (this.inflight.size >= this.opts.concurrency) break;
      this.inflight.set(key, row.id);
      sends.push(this.send(row).finally(() => this.inflight.delete(key)));
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

  /** Deliver what can be delivered within `ms` (used on shutdown). */
  async flush(ms: number): Promise<void> {
    const deadline = this.clock.monotonic() + ms;
    while (this.pending > 0 && this.clock.monotonic() < deadline) {
      await this.pass();
      if (this.pending > 0) await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async send(row: OutboxRow): Promise<void> {
    const body = { ...(JSON.parse(row.body) as Record<string, unknown>) };
    body.runner_id = this.opts.runnerId() ?? body.runner_id ?? null;
    let status: number | null = null;
    let note: string;
    try {
      const r = await this.transport.post(row.url, row.token, body);
      status = r.status;
      note = r.text.slice(0, 1000);
    } catch (err) {
      note = describeError(err);
    }
    const verdict = classifyDelivery(status);
    const log = this.logger.child({ taskId: row.task_id, attempt: row.attempt, kind: row.kind, status });
    const nowIso = new Date(this.clock.now()).toISOString();
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
    this.wake();
  }
}
