import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, type OutboxRow } from '../../src/runner/journal.js';
import { CACHED_BODY_BYTES, PendingIndex } from '../../src/runner/pendingIndex.js';
import { submit, success } from '../helpers/journal.js';

const report = (task: number, kind: 'running' | 'terminal') => ({
  kind,
  url: `http://api/runner/tasks/${task}/status`,
  token: 't',
  body: { task, kind },
});

/** What the outbox's pass must get, computed from the table alone (the SQL the index replaced). */
function expectedHeads(pending: OutboxRow[], now: number, limit: number, skip: Set<string>): number[] {
  const heads = new Map<string, OutboxRow>();
  for (const r of [...pending].sort((a, b) => a.id - b.id)) {
    const k = `${r.task_id}:${r.attempt}`;
    if (!heads.has(k)) heads.set(k, r);
  }
  return [...heads]
    .filter(([k, r]) => r.next_at <= now && !skip.has(k))
    .map(([, r]) => r)
    .sort((a, b) => a.next_at - b.next_at || a.id - b.id)
    .slice(0, limit)
    .map((r) => r.id);
}

/** The columns of an OutboxRow (SELECT * also has created_at and done_at). */
const columns = (r: OutboxRow) => {
  const { id, task_id, attempt, kind, url, token, body, state, tries, next_at, last_status, last_error } = r;
  return { id, task_id, attempt, kind, url, token, body, state, tries, next_at, last_status, last_error };
};

function expectedNextDue(pending: OutboxRow[], now: number): number | null {
  const later = pending.map((r) => r.next_at).filter((t) => t > now);
  return later.length ? Math.min(...later) : null;
}

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('runner journal: the in-memory index of pending reports', () => {
  let dir: string;
  let file: string;
  let journal: Journal;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-pending-'));
    file = path.join(dir, 'runner.db');
    journal = Journal.open(file);
  });
  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers due heads and the next due time exactly as the table does, through every kind of write', () => {
    const rnd = prng(7);
    const pick = <T>(list: T[]): T | undefined => list[Math.floor(rnd() * list.length)];
    const fields = success();
    let now = 1_000;
    let nextTask = 1;
    const running: number[] = [];
    const queued: number[] = [];
    for (let step = 0; step < 600; step++) {
      now += Math.floor(rnd() * 5);
      const op = rnd();
      const pending = () => journal.outbox('pending');
      if (op < 0.2) {
        journal.insertAttempt(submit(nextTask), 'c');
        queued.push(nextTask++);
      } else if (op < 0.35 && queued.length) {
        const t = queued.splice(Math.floor(rnd() * queued.length), 1)[0]!;
        journal.markRunning(
          t,
          1,
          { pid: null, proc_start: null, started_at: 's' },
          report(t, 'running'),
          now,
        );
        running.push(t);
      } else if (op < 0.5 && running.length) {
        const t = running.splice(Math.floor(rnd() * running.length), 1)[0]!;
        // Sometimes the running report is on the wire: it must then stay, ahead of the terminal one.
        const own = pending().find((r) => r.task_id === t && r.kind === 'running');
        journal.finish(t, 1, fields, report(t, 'terminal'), now, own && rnd() < 0.5 ? own.id : null);
      } else if (op < 0.7) {
        const r = pick(pending());
        if (r) journal.settle(r.id, pick(['acked', 'answered', 'dead'] as const)!, 200, null, 'now');
      } else if (op < 0.85) {
        const r = pick(pending());
        if (r) journal.retryLater(r.id, now + Math.floor(rnd() * 50), rnd() < 0.5 ? null : 503, 'e', 'now');
      } else if (op < 0.9) {
        // A write the index does not follow (it is dropped and read again).
        journal.retryNetworkFailedNow('http://api', now);
      } else if (op < 0.93) {
        journal.prune('9999');
      } else if (op < 0.95) {
        journal.close();
        journal = Journal.open(file);
      }
      const skip = new Set(
        pending()
          .filter(() => rnd() < 0.2)
          .map((r) => `${r.task_id}:${r.attempt}`),
      );
      const probeAt = now + Math.floor(rnd() * 30) - 10;
      const limit = 1 + Math.floor(rnd() * 6);
      const heads = journal.dueHeads(probeAt, limit, skip);
      expect(heads.map((r) => r.id)).toEqual(expectedHeads(pending(), probeAt, limit, skip));
      // Rows the index hands out without reading the table are the table's rows.
      const table = new Map(pending().map((r) => [r.id, r]));
      for (const h of heads) expect(columns(h)).toEqual(columns(table.get(h.id)!));
      expect(journal.nextDueAfter(probeAt)).toBe(expectedNextDue(pending(), probeAt));
    }
    // The run went through every state a report can be in.
    const states = new Set(journal.outbox().map((r) => r.state));
    expect([...states].sort()).toEqual(['acked', 'answered', 'dead', 'dropped', 'pending']);
  });

  it('a write that fails inside its savepoint leaves the index as the table is', () => {
    journal.insertAttempt(submit(1), 'c');
    journal.markRunning(1, 1, { pid: null, proc_start: null, started_at: 's' }, report(1, 'running'), 10);
    const bad = { ...report(1, 'terminal'), body: { n: 1n } as unknown as Record<string, unknown> };
    const fields = success();
    // The running report is dropped, then the terminal body cannot be serialized: all rolled back.
    expect(() => journal.finish(1, 1, fields, bad, 20)).toThrow(/BigInt/);
    expect(journal.dueHeads(100, 10).map((r) => r.kind)).toEqual(['running']);
    expect(journal.outbox('pending')).toHaveLength(1);
  });

  it('keeps at most CACHED_BODY_BYTES of report bodies in memory; the rest is read from the table', () => {
    const index = new PendingIndex();
    const body = 'x'.repeat(16 * 1024);
    const row = (id: number) => ({
      id,
      task_id: id,
      attempt: 1,
      kind: 'terminal' as const,
      url: 'u',
      token: 't',
      body,
      state: 'pending' as const,
      tries: 0,
      next_at: 0,
      last_status: null,
      last_error: null,
    });
    const n = Math.ceil(CACHED_BODY_BYTES / body.length) + 10;
    for (let id = 1; id <= n; id++)
      index.add({ id, task_id: id, attempt: 1, kind: 'terminal', next_at: 0, row: row(id) });
    const cached = () => [...Array(n).keys()].filter((i) => index.get(i + 1)?.row).length;
    expect(cached()).toBe(Math.floor(CACHED_BODY_BYTES / body.length));
    // Settled reports free their share: later ones are cached again.
    index.remove(1);
    index.add({ id: n + 1, task_id: n + 1, attempt: 1, kind: 'terminal', next_at: 0, row: row(n + 1) });
    expect(index.get(n + 1)?.row).toBeDefined();
    // A body over 16 KiB is never kept, even with room for it.
    index.remove(2);
    index.add({
      id: n + 2,
      task_id: n + 2,
      attempt: 1,
      kind: 'terminal',
      next_at: 0,
      row: { ...row(n + 2), body: body + 'y' },
    });
    expect(index.get(n + 2)?.row).toBeUndefined();
  });
});
