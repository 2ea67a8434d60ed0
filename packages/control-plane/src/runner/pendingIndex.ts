import type { OutboxKind, OutboxRow } from './journal.js';

/** What the send order needs to know of a pending outbox report (the row itself is in SQLite). */
export interface PendingEntry {
  id: number;
  task_id: number;
  attempt: number;
  kind: OutboxKind;
  next_at: number;
  /**
   * The row as written, while it is small and never tried: the outbox reads it when it sends the report,
   * and re-reading it from the table cost a select per report. Dropped on reschedule.
   */
  row?: OutboxRow;
}

/** Bytes of report bodies the index keeps at most (an API outage must not hold every body in memory). */
export const CACHED_BODY_BYTES = 8 * 1024 * 1024;
const CACHED_BODY_MAX = 16 * 1024;

export const attemptKey = (taskId: number, attempt: number): string => `${taskId}:${attempt}`;

/**
 * The journal's pending outbox reports, in memory, for the outbox's every pass: which report of each
 * attempt is its head (oldest pending: an attempt's reports go in order), which heads are due, when the
 * next one becomes due. Answering that from SQL cost a walk of an index plus a probe per pending row on
 * every pass, and an index maintained on every report write; here a pass costs a loop over the
 * attempts with pending reports. The Journal keeps it in step with its own writes (and drops it after
 * any other write, to be reloaded from the table).
 */
export class PendingIndex {
  /** Every pending report by id. */
  private readonly byId = new Map<number, PendingEntry>();
  /** Each attempt's pending reports, oldest (smallest id) first. */
  private readonly byAttempt = new Map<string, PendingEntry[]>();
  private cachedBytes = 0;

  get size(): number {
    return this.byId.size;
  }

  /**
   * A new pending report. Ids only grow (AUTOINCREMENT), so it goes last in its attempt. Adding one
   * that is there already (an index just read from the table holds it) does nothing.
   */
  add(e: PendingEntry): void {
    if (this.byId.has(e.id)) return;
    if (e.row) {
      const size = e.row.body.length;
      if (size > CACHED_BODY_MAX || this.cachedBytes + size > CACHED_BODY_BYTES) delete e.row;
      else this.cachedBytes += size;
    }
    this.byId.set(e.id, e);
    const k = attemptKey(e.task_id, e.attempt);
    const list = this.byAttempt.get(k);
    if (list) list.push(e);
    else this.byAttempt.set(k, [e]);
  }

  /** A report that is no longer pending (settled, dropped). */
  remove(id: number): void {
    const e = this.byId.get(id);
    if (!e) return;
    this.uncache(e);
    this.byId.delete(id);
    const k = attemptKey(e.task_id, e.attempt);
    const list = this.byAttempt.get(k)!;
    list.splice(list.indexOf(e), 1);
    if (list.length === 0) this.byAttempt.delete(k);
  }

  get(id: number): PendingEntry | undefined {
    return this.byId.get(id);
  }

  private uncache(e: PendingEntry): void {
    if (!e.row) return;
    this.cachedBytes -= e.row.body.length;
    delete e.row;
  }

  /** An attempt's pending reports, oldest first. */
  of(taskId: number, attempt: number): readonly PendingEntry[] {
    return this.byAttempt.get(attemptKey(taskId, attempt)) ?? [];
  }

  reschedule(id: number, nextAt: number): void {
    const e = this.byId.get(id);
    if (!e) return;
    e.next_at = nextAt;
    this.uncache(e); // tries and the last answer changed: read from the table from now on
  }

  /**
   * Heads due at `nowMs`, in send order (next_at, then id), at most `limit`, except the attempts in
   * `skip` (keyed `task:attempt`: those with a report on the wire).
   */
  dueHeads(
    nowMs: number,
    limit: number,
    skip?: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  ): PendingEntry[] {
    const due: PendingEntry[] = [];
    for (const [k, list] of this.byAttempt) {
      const head = list[0]!;
      if (head.next_at <= nowMs && !skip?.has(k)) due.push(head);
    }
    due.sort((a, b) => a.next_at - b.next_at || a.id - b.id);
    if (due.length > limit) due.length = limit;
    return due;
  }

  /** The earliest next_at after `nowMs` of any pending report, or null. */
  nextDueAfter(nowMs: number): number | null {
    let min: number | null = null;
    for (const e of this.byId.values()) {
      if (e.next_at > nowMs && (min === null || e.next_at < min)) min = e.next_at;
    }
    return min;
  }
}
