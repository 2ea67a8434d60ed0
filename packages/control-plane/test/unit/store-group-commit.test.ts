import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/store.js';

describe('SQLite store: group commit', () => {
  let dir: string;
  let store: SqliteStore;
  let commits = 0;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-gc-'));
    store = SqliteStore.open({ file: path.join(dir, 'db.sqlite'), durability: 'full', exclusive: true });
    const db = (store as unknown as { db: { exec: (s: string) => unknown } }).db;
    const exec = db.exec.bind(db);
    commits = 0;
    db.exec = (s: string) => {
      if (s === 'COMMIT') commits++;
      return exec(s);
    };
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (name: string) =>
    store.tx((sql) =>
      sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES (?, '/x', '[]', 'now', 'now')`,
        [name],
      ),
    );
  const names = () =>
    store.read(async (sql) =>
      (await sql.all<{ name: string }>('SELECT name FROM projects ORDER BY id')).map((r) => r.name),
    );

  it('concurrent transactions share commits, and each resolves only after its commit', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => insert(`p${i}`)));
    expect(results.map((r) => r.changes)).toEqual(Array(50).fill(1));
    expect(commits).toBeLessThan(50);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(await names()).toHaveLength(50);
  });

  it('a failing transaction rolls back alone; the others in its batch commit', async () => {
    const failing = store.tx(async (sql) => {
      await sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('half', '/x', '[]', 'n', 'n')`,
      );
      throw new Error('refused halfway');
    });
    const [a, b, c] = await Promise.allSettled([insert('a'), failing, insert('c')]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: new Error('refused halfway') });
    expect(c.status).toBe('fulfilled');
    expect(await names()).toEqual(['a', 'c']);
  });

  it('a constraint violation in one job does not poison the batch', async () => {
    const [x, dup, y] = await Promise.allSettled([insert('same'), insert('same'), insert('other')]);
    expect(x.status).toBe('fulfilled');
    expect(dup.status).toBe('rejected');
    expect(y.status).toBe('fulfilled');
    expect(await names()).toEqual(['same', 'other']);
  });

  it('reads queued between writes see exactly the writes before them', async () => {
    const seen: number[] = [];
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      jobs.push(insert(`w${i}`));
      jobs.push(names().then((n) => seen.push(n.length)));
    }
    await Promise.all(jobs);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
