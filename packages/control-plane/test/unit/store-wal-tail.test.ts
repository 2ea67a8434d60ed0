import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectWal } from '../../src/store/sqlite/walTail.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A database with `n` committed rows whose WAL was never checkpointed: copies of db and WAL, as a crash leaves them. */
function crashedCopy(n: number): { db: string; wal: string; frameSize: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-tail-'));
  dirs.push(dir);
  const live = new Database(path.join(dir, 'live.db'));
  live.pragma('journal_mode = WAL');
  live.pragma('wal_autocheckpoint = 0');
  live.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let i = 0; i < n; i++) live.prepare('INSERT INTO t (v) VALUES (?)').run(`row ${i} ${'x'.repeat(100)}`);
  const db = path.join(dir, 'crashed.db');
  fs.copyFileSync(path.join(dir, 'live.db'), db);
  fs.copyFileSync(path.join(dir, 'live.db-wal'), `${db}-wal`);
  const pageSize = live.pragma('page_size', { simple: true }) as number;
  live.close();
  return { db, wal: `${db}-wal`, frameSize: 24 + pageSize };
}

function rows(db: string): number {
  const d = new Database(db);
  try {
    return (d.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c;
  } finally {
    d.close();
  }
}

describe('WAL tail inspection (what SQLite recovery will drop)', () => {
  it('an intact WAL has no torn tail, and every commit is counted', () => {
    const c = crashedCopy(5);
    const r = inspectWal(fs.readFileSync(c.wal));
    expect(r.torn_bytes).toBe(0);
    expect(r.reasons).toEqual([]);
    expect(r.commits).toBe(6); // CREATE TABLE + 5 inserts
    expect(rows(c.db)).toBe(5);
  });

  it('garbage bytes appended after a crash: a partial frame, dropped; the valid prefix kept', () => {
    const c = crashedCopy(5);
    fs.appendFileSync(c.wal, Buffer.alloc(777, 0xab));
    const r = inspectWal(fs.readFileSync(c.wal));
    expect(r.torn_bytes).toBe(777);
    expect(r.reasons).toEqual(['partial-frame']);
    expect(r.commits).toBe(6);
    expect(rows(c.db)).toBe(5);
  });

  it('a whole frame whose checksum breaks the chain (a torn write of the current generation)', () => {
    const c = crashedCopy(3);
    const wal = fs.readFileSync(c.wal);
    // The last frame again: right salts, but its checksum was chained from another predecessor.
    fs.appendFileSync(c.wal, wal.subarray(wal.length - c.frameSize));
    const r = inspectWal(fs.readFileSync(c.wal));
    expect(r.reasons).toEqual(['bad-checksum']);
    expect(r.torn_bytes).toBe(c.frameSize);
    expect(rows(c.db)).toBe(3);
  });

  it('the last commit cut inside its frame: the partial frame is dropped with that transaction', () => {
    const c = crashedCopy(4);
    const size = fs.statSync(c.wal).size;
    fs.truncateSync(c.wal, size - 100);
    const r = inspectWal(fs.readFileSync(c.wal));
    expect(r.reasons).toContain('partial-frame');
    expect(r.torn_bytes).toBeGreaterThanOrEqual(c.frameSize - 100);
    expect(r.commits).toBe(4);
    // That was an acknowledged commit in real life (media damage, not a torn tail): SQLite drops it.
    expect(rows(c.db)).toBe(3);
  });

  it('no WAL, or an unreadable header', () => {
    expect(inspectWal(Buffer.alloc(0)).torn_bytes).toBe(0);
    expect(inspectWal(Buffer.alloc(20, 1)).reasons).toEqual(['bad-header']);
  });
});
