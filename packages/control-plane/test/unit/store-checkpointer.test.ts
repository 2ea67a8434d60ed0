import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/store.js';

/** The store's checkpointer, as the store holds it (private). */
interface Inner {
  checkpointer: { started: boolean; running: boolean };
  batchesSinceGuard: number;
}

describe('SQLite store: the checkpointer thread', () => {
  let dir: string;
  const stores: SqliteStore[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-cp-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (deferCheckpointer?: boolean) => {
    const s = SqliteStore.open({
      file: path.join(dir, 'db.sqlite'),
      durability: 'full',
      exclusive: true,
      deferCheckpointer,
    });
    stores.push(s);
    return { store: s, inner: s as unknown as Inner };
  };
  const insert = (store: SqliteStore, name: string, size = 10) =>
    store.tx((sql) =>
      sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES (?, ?, '[]', 'n', 'n')`,
        [name, 'x'.repeat(size)],
      ),
    );

  it('starts with the store by default', () => {
    const { inner } = open();
    expect(inner.checkpointer.started).toBe(true);
    expect(inner.checkpointer.running).toBe(true);
  });

  it('deferred: no thread until asked, then one; asking again changes nothing', async () => {
    const { store, inner } = open(true);
    await insert(store, 'a');
    expect(inner.checkpointer.started).toBe(false);
    expect(inner.checkpointer.running).toBe(false);
    store.startCheckpointer();
    expect(inner.checkpointer.running).toBe(true);
    const worker = (inner.checkpointer as unknown as { worker: unknown }).worker;
    store.startCheckpointer();
    expect((inner.checkpointer as unknown as { worker: unknown }).worker).toBe(worker);
    await insert(store, 'b');
    await store.close();
    stores.length = 0;
    // The store closes with it: reopened, both rows are there.
    const again = open();
    const rows = await again.store.read((sql) => sql.all<{ name: string }>('SELECT name FROM projects'));
    expect(rows.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('deferred: the first WAL guard (64 write groups in) starts the thread instead of checkpointing on the event loop', async () => {
    const { store, inner } = open(true);
    const db = (store as unknown as { db: { pragma: (s: string, o?: object) => unknown } }).db;
    const pragma = db.pragma.bind(db);
    let checkpoints = 0;
    db.pragma = (s: string, o?: object) => {
      if (s.startsWith('wal_checkpoint')) checkpoints++;
      return pragma(s, o);
    };
    // Past the 4 MB threshold, before any guard.
    await insert(store, 'big', 5 * 1024 * 1024);
    expect(inner.checkpointer.started).toBe(false);
    inner.batchesSinceGuard = 63;
    await insert(store, 'after');
    expect(inner.checkpointer.running).toBe(true);
    expect(checkpoints).toBe(0);
  });

  it('a store closed before its deferred thread started never starts one', async () => {
    const { store, inner } = open(true);
    await store.close();
    stores.length = 0;
    store.startCheckpointer();
    expect(inner.checkpointer.started).toBe(false);
  });
});
