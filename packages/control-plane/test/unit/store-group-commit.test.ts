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
    const commit = (store as unknown as { ctl: { commit: { run: () => unknown } } }).ctl.commit;
    const run = commit.run.bind(commit);
    commits = 0;
    commit.run = () => {
      commits++;
      return run();
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

  it('a failing transaction alone in its group (no savepoint) leaves nothing behind, and the store goes on', async () => {
    const failing = store.tx(async (sql) => {
      await sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('half', '/x', '[]', 'n', 'n')`,
      );
      throw new Error('refused halfway');
    });
    await expect(failing).rejects.toThrow('refused halfway');
    expect(commits).toBe(0);
    expect(await names()).toEqual([]);
    await insert('next');
    expect(await names()).toEqual(['next']);
  });

  it('a lone job that swallows SQLite rolling the transaction back (disk full) is not answered as committed', async () => {
    const db = (store as unknown as { db: { pragma: (s: string, o?: object) => unknown } }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    const swallowing = store.tx(async (sql) => {
      try {
        await sql.run(
          `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('big', ?, '[]', 'n', 'n')`,
          ['x'.repeat(200_000)],
        );
      } catch {
        // ignored on purpose
      }
      return 'looks fine';
    });
    await expect(swallowing).rejects.toThrow('rolled back');
    db.pragma(`max_page_count = ${pages + 1000}`);
    await insert('next');
    expect(await names()).toEqual(['next']);
  });

  it('a constraint violation in one job does not poison the batch', async () => {
    const [x, dup, y] = await Promise.allSettled([insert('same'), insert('same'), insert('other')]);
    expect(x.status).toBe('fulfilled');
    expect(dup.status).toBe('rejected');
    expect(y.status).toBe('fulfilled');
    expect(await names()).toEqual(['same', 'other']);
  });

  it('a job after which SQLite rolled back the whole transaction (disk full) fails its group, not the store', async () => {
    // SQLITE_FULL (like IOERR and NOMEM) in a statement without a statement journal rolls back the
    // whole transaction: every savepoint of the group is gone, not just the failing job's.
    const db = (store as unknown as { db: { pragma: (s: string, o?: object) => unknown } }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    // The first job holds a group open so that the next three share the following one.
    const first = store.tx(async (sql) => {
      await gate;
      return sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('first', '/x', '[]', 'n', 'n')`,
      );
    });
    const before = insert('before');
    const tooBig = store.tx((sql) =>
      sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('big', ?, '[]', 'n', 'n')`,
        ['x'.repeat(200_000)],
      ),
    );
    const after = insert('after');
    open();
    const [f, b, big, a] = await Promise.allSettled([first, before, tooBig, after]);
    expect(f.status).toBe('fulfilled');
    expect(big).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_FULL' } });
    // Its change was rolled back with the transaction: it must not be acknowledged.
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_FULL' } });
    // Untouched by the failure: it runs in the next group.
    expect(a.status).toBe('fulfilled');
    expect(await names()).toEqual(['first', 'after']);
    await insert('later');
    expect(await names()).toEqual(['first', 'after', 'later']);
  });

  it('a WAL guard checkpoint that fails after a durable commit does not fail the committed transactions', async () => {
    const inner = store as unknown as {
      db: { pragma: (s: string, o?: object) => unknown };
      checkpointer: { stop(): Promise<void> };
      batchesSinceGuard: number;
    };
    // The checkpointer is gone and the WAL is past the threshold: the next guard checkpoints itself.
    await inner.checkpointer.stop();
    await store.tx((sql) =>
      sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('big', ?, '[]', 'n', 'n')`,
        ['x'.repeat(5 * 1024 * 1024)],
      ),
    );
    const pragma = inner.db.pragma.bind(inner.db);
    inner.db.pragma = (s: string, o?: object) => {
      if (s.startsWith('wal_checkpoint'))
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      return pragma(s, o);
    };
    inner.batchesSinceGuard = 63;
    const r = await Promise.allSettled([insert('committed')]);
    inner.db.pragma = pragma;
    expect(await names()).toEqual(['big', 'committed']);
    expect(r[0]!.status).toBe('fulfilled');
  });

  it('the WAL guard goes by the log length the checkpointer reports, not by the file size (which never shrinks)', async () => {
    const inner = store as unknown as {
      db: { pragma: (s: string, o?: object) => unknown };
      checkpointer: {
        started: boolean;
        running: boolean;
        logBytes: number | null;
        stop(): Promise<void>;
        noteLogRestarting(): void;
      };
      batchesSinceGuard: number;
    };
    // A WAL file past the 16 MB hard cap, as it stays after one burst.
    await store.tx((sql) =>
      sql.run(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('big', ?, '[]', 'n', 'n')`,
        ['x'.repeat(17 * 1024 * 1024)],
      ),
    );
    await inner.checkpointer.stop();
    const pragma = inner.db.pragma.bind(inner.db);
    let checkpoints = 0;
    inner.db.pragma = (s: string, o?: object) => {
      if (s.startsWith('wal_checkpoint')) checkpoints++;
      return pragma(s, o);
    };
    /** A live checkpointer that last reported this log length (null: no fresh word). */
    const runningCheckpointer = (logBytes: number | null) => ({
      started: true,
      running: true,
      logBytes,
      stop: async () => undefined,
      noteLogRestarting: () => undefined,
    });
    const guardOnce = async (name: string) => {
      inner.batchesSinceGuard = 63;
      await insert(name);
    };
    // The worker just checkpointed and saw a short log (the log restarted): nothing to do here.
    inner.checkpointer = runningCheckpointer(64 * 1024);
    await guardOnce('short-log');
    expect(checkpoints).toBe(0);
    // The worker saw the log past the cap (it cannot catch up): the store checkpoints itself.
    inner.checkpointer = runningCheckpointer(17 * 1024 * 1024);
    await guardOnce('long-log');
    expect(checkpoints).toBe(1);
    // No fresh word from the worker: the file size is all there is to go by.
    inner.checkpointer = runningCheckpointer(null);
    await guardOnce('no-report');
    expect(checkpoints).toBe(2);
    inner.db.pragma = pragma;
  });

  it('a group whose only write returns rows (INSERT … RETURNING through sql.get) is still fsynced', async () => {
    const inner = store as unknown as { syncWal: () => Promise<void> };
    const sync = inner.syncWal.bind(store);
    let syncs = 0;
    inner.syncWal = () => {
      syncs++;
      return sync();
    };
    await names(); // a read: no sync
    expect(syncs).toBe(0);
    const row = await store.tx((sql) =>
      sql.get<{ id: number }>(
        `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES ('r', '/x', '[]', 'n', 'n') RETURNING id`,
      ),
    );
    expect(row?.id).toBeGreaterThan(0);
    expect(syncs).toBe(1);
    await store.tx((sql) => sql.all('SELECT id FROM projects')); // reads only: nothing to sync
    expect(syncs).toBe(1);
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

  describe('txSoon (a transaction nobody waits on to be answered)', () => {
    const insertSoon = (name: string, withinMs: number) =>
      store.txSoon(
        (sql) =>
          sql.run(
            `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES (?, '/x', '[]', 'now', 'now')`,
            [name],
          ),
        withinMs,
      );

    it('joins the next transaction that arrives, ahead of it, in one commit', async () => {
      const soon = insertSoon('held', 60_000);
      await new Promise((r) => setTimeout(r, 20));
      expect(commits).toBe(0); // held: no group of its own yet
      await Promise.all([insert('next'), soon]);
      expect(commits).toBe(1);
      expect(await names()).toEqual(['held', 'next']);
    });

    it('commits on its own once withinMs passed with nothing else arriving', async () => {
      const r = await insertSoon('alone', 5);
      expect(r.changes).toBe(1);
      expect(commits).toBe(1);
      expect(await names()).toEqual(['alone']);
    });

    it('a read does not release it; close() commits it', async () => {
      const soon = insertSoon('late', 60_000);
      expect(await names()).toEqual([]);
      await store.close();
      await expect(soon).resolves.toMatchObject({ changes: 1 });
      store = SqliteStore.open({ file: path.join(dir, 'db.sqlite'), durability: 'full', exclusive: true });
      expect(await names()).toEqual(['late']);
    });
  });
});

describe('SQLite store: end-of-group hook', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-hook-'));
    store = SqliteStore.open({ file: path.join(dir, 'db.sqlite'), durability: 'full', exclusive: true });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insertSql = `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES (?, '/x', '[]', 'n', 'n')`;
  const insert = (name: string) => store.tx((sql) => sql.run(insertSql, [name]));
  const names = () =>
    store.read(async (sql) =>
      (await sql.all<{ name: string }>('SELECT name FROM projects ORDER BY id')).map((r) => r.name),
    );

  it("runs at the end of a group, inside it, and follows up before the group's callers resolve", async () => {
    const order: string[] = [];
    let want = false;
    store.setBatchHook({
      wanted: () => want,
      run: async (sql) => {
        want = false;
        const seen = await sql.all<{ name: string }>('SELECT name FROM projects ORDER BY id');
        await sql.run(insertSql, ['hook']);
        return seen.map((r) => r.name);
      },
      committed: (seen) => order.push(`committed:${(seen as string[]).join(',')}`),
      failed: (err) => order.push(`failed:${String(err)}`),
    });
    // `a` starts a group at once; `b` and `c` wait and share the next one, where `c` asks for the hook.
    const tx = (name: string) =>
      store.tx(async (sql) => {
        if (name === 'c') want = true;
        return sql.run(insertSql, [name]);
      });
    await Promise.all(['a', 'b', 'c'].map((n) => tx(n).then(() => order.push(`resolved:${n}`))));
    expect(order[0]).toBe('resolved:a');
    expect(order[1]).toBe('committed:a,b,c');
    expect(order.slice(2).sort()).toEqual(['resolved:b', 'resolved:c']);
    expect(await names()).toEqual(['a', 'b', 'c', 'hook']);
    await insert('d');
    expect(order.filter((o) => o.startsWith('committed'))).toHaveLength(1);
  });

  it('a failing hook rolls back alone: the group commits, failed() is told, committed() is not', async () => {
    const calls: string[] = [];
    store.setBatchHook({
      wanted: () => true,
      run: async (sql) => {
        await sql.run(insertSql, ['half-hook']);
        throw new Error('hook refused');
      },
      committed: () => calls.push('committed'),
      failed: (err) => calls.push(`failed:${(err as Error).message}`),
    });
    await insert('a');
    expect(calls).toEqual(['failed:hook refused']);
    store.setBatchHook(null);
    expect(await names()).toEqual(['a']);
  });
});

describe('SQLite store: a failed WAL fsync stops it for good (fail-stop)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-failstop-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const insertSql = `INSERT INTO projects (name, root_path, allowed_paths, created_at, updated_at) VALUES (?, '/x', '[]', 'n', 'n')`;

  it('rejects the group, tells the process once, refuses everything after, and still closes', async () => {
    const fatal: string[] = [];
    const file = path.join(dir, 'db.sqlite');
    const store = SqliteStore.open({
      file,
      durability: 'full',
      exclusive: true,
      onFatal: (e) => fatal.push(e.code),
    });
    await store.tx((sql) => sql.run(insertSql, ['before']));
    // The next fdatasync fails, as after a write-back error on the device.
    (store as unknown as { syncWal: () => Promise<void> }).syncWal = async () => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    };
    const [a, b] = await Promise.allSettled([
      store.tx((sql) => sql.run(insertSql, ['lost-1'])),
      store.tx((sql) => sql.run(insertSql, ['lost-2'])),
    ]);
    expect(a).toMatchObject({ status: 'rejected', reason: { code: 'STORE_UNAVAILABLE' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'STORE_UNAVAILABLE' } });
    await expect(store.tx((sql) => sql.run(insertSql, ['later']))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    await expect(store.read((sql) => sql.all('SELECT name FROM projects'))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect(fatal).toEqual(['STORE_UNAVAILABLE']);
    await store.close();
    // A restarted store opens and keeps what was acknowledged before the failure.
    const again = SqliteStore.open({ file, durability: 'full', exclusive: true });
    const names = await again.read((sql) =>
      sql.all<{ name: string }>('SELECT name FROM projects ORDER BY id'),
    );
    expect(names.map((n) => n.name)).toContain('before');
    await again.close();
  });
});
