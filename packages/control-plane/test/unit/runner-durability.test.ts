import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncBarrier } from '../../src/runner/durability.js';
import { Journal } from '../../src/runner/journal.js';

/** A sync function the test completes by hand: no timing involved. */
class ManualSync {
  calls: Array<{ fd: number; resolve: () => void; reject: (e: Error) => void }> = [];
  readonly fn = (fd = -1): Promise<void> =>
    new Promise<void>((resolve, reject) => this.calls.push({ fd, resolve, reject }));
  finish(i: number): Promise<void> {
    this.calls[i].resolve();
    return turns();
  }
}

/** Let every settled promise run its continuations. */
const turns = () => new Promise<void>((r) => setImmediate(r));

function track(p: Promise<void>): { done: boolean; error: unknown } {
  const s = { done: false, error: undefined as unknown };
  p.then(
    () => (s.done = true),
    (e: unknown) => (s.error = e),
  );
  return s;
}

describe('runner durability barrier', () => {
  it('resolves at once when nothing was written since the last sync', async () => {
    const sync = new ManualSync();
    const b = new SyncBarrier(() => sync.fn());
    await b.wait();
    expect(sync.calls).toHaveLength(0);
    b.wrote();
    const first = track(b.wait());
    await sync.finish(0);
    expect(first.done).toBe(true);
    await b.wait();
    expect(sync.calls).toHaveLength(1);
  });

  it('N callers waiting together share one sync', async () => {
    const sync = new ManualSync();
    const b = new SyncBarrier(() => sync.fn());
    const waits = Array.from({ length: 10 }, () => {
      b.wrote();
      return track(b.wait());
    });
    // The first caller started a sync that covers only its own commit; the nine others share ONE next.
    expect(sync.calls).toHaveLength(1);
    await sync.finish(0);
    expect(waits[0].done).toBe(true);
    expect(waits.slice(1).some((w) => w.done)).toBe(false);
    expect(sync.calls).toHaveLength(2);
    await sync.finish(1);
    expect(waits.every((w) => w.done)).toBe(true);
    expect(sync.calls).toHaveLength(2);
  });

  it('a caller whose commit came after a sync started waits for the next sync', async () => {
    const sync = new ManualSync();
    const b = new SyncBarrier(() => sync.fn());
    b.wrote();
    const early = track(b.wait());
    const alsoEarly = track(b.wait()); // same commits: shares the running sync
    b.wrote();
    const late = track(b.wait());
    await sync.finish(0);
    expect(early.done && alsoEarly.done).toBe(true);
    expect(late.done).toBe(false);
    expect(sync.calls).toHaveLength(2);
    await sync.finish(1);
    expect(late.done).toBe(true);
  });

  it('a failed sync rejects its waiters and the next wait syncs again', async () => {
    const sync = new ManualSync();
    const b = new SyncBarrier(() => sync.fn());
    b.wrote();
    const w = track(b.wait());
    sync.calls[0].reject(new Error('EIO'));
    await turns();
    expect(w.error).toBeInstanceOf(Error);
    const again = track(b.wait());
    expect(sync.calls).toHaveLength(2);
    await sync.finish(1);
    expect(again.done).toBe(true);
  });
});

describe('runner journal durable()', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('fdatasyncs the WAL (and its directory once), one sync for concurrent callers', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-durable-'));
    const file = path.join(dir, 'runner.db');
    const synced: number[] = [];
    const journal = Journal.open(file, {
      fsync: async (fd) => {
        synced.push(fs.fstatSync(fd).ino);
      },
    });
    try {
      const walIno = fs.statSync(`${file}-wal`).ino;
      const dirIno = fs.statSync(dir).ino;
      await journal.durable();
      expect(synced).toEqual([dirIno, walIno]);
      await journal.durable(); // nothing new written
      expect(synced).toHaveLength(2);
      journal.setMeta('a', '1');
      journal.setMeta('b', '2');
      await Promise.all([journal.durable(), journal.durable(), journal.durable()]);
      expect(synced).toEqual([dirIno, walIno, walIno]);
    } finally {
      journal.close();
    }
  });
});

describe('runner journal durable(): a write of the turn that a chained sync does not see', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('resolves only after a sync that was issued once its commit was in the WAL', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-durable-'));
    const file = path.join(dir, 'runner.db');
    const sync = new ManualSync();
    /** The WAL's size when each sync was issued: what that sync can make durable. */
    const sizes: number[] = [];
    const journal = Journal.open(file, {
      fsync: (fd) => {
        sizes.push(fs.fstatSync(fd).size);
        return sync.fn(fd);
      },
    });
    const microtasks = async () => {
      for (let i = 0; i < 50; i++) await Promise.resolve();
    };
    try {
      const first = track(journal.durable()); // the directory, then the WAL
      while (!first.done) await sync.finish(sync.calls.length - 1);
      journal.setMeta('a', '1');
      track(journal.durable()); // sync S1 runs
      journal.setMeta('b', '2');
      track(journal.durable()); // committed after S1 started: waits for the next sync, S2
      // Another write in this turn, committed only at the end of the turn (nobody waits for it yet).
      journal.setMeta('c', '3');
      const s1 = sync.calls.length - 1;
      sync.calls[s1]!.resolve();
      await microtasks(); // S1 done: S2 starts, still within this turn
      await turns(); // the turn's commit: 'c' reaches the WAL
      const walWithC = fs.statSync(`${file}-wal`).size;
      const third = track(journal.durable());
      let last = s1;
      while (!third.done && !third.error && sync.calls.length > last + 1) {
        last = sync.calls.length - 1;
        await sync.finish(last);
      }
      expect(third.done).toBe(true);
      // The sync that answered the caller must have been issued with its commit already in the WAL.
      expect(sizes[last]).toBeGreaterThanOrEqual(walWithC);
    } finally {
      journal.close();
    }
  });
});
