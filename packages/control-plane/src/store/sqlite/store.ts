import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../lib/errors.js';
import type { Param, RunResult, Sql, Store } from '../sql.js';
import { runMigrations } from './migrate.js';

export interface SqliteStoreOptions {
  file: string;
  durability: 'full' | 'relaxed';
  /**
   * Hold an exclusive lock on the database for the life of the process, so that a second API on the
   * same data dir cannot open it. The kernel drops the lock when the process dies, even on kill -9.
   */
  exclusive: boolean;
}

/** A tiny FIFO mutex: transactions on the one connection never interleave across awaits. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly durability: 'full' | 'relaxed';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly mutex = new Mutex();
  private readonly sql: Sql;
  private closed = false;

  private constructor(db: Database.Database, durability: 'full' | 'relaxed') {
    this.db = db;
    this.durability = durability;
    const prepare = (text: string): Database.Statement => {
      let st = this.statements.get(text);
      if (!st) {
        st = this.db.prepare(text);
        this.statements.set(text, st);
      }
      return st;
    };
    this.sql = {
      all: async <T>(text: string, params: readonly Param[] = []) => prepare(text).all(...params) as T[],
      get: async <T>(text: string, params: readonly Param[] = []) =>
        prepare(text).get(...params) as T | undefined,
      run: async (text: string, params: readonly Param[] = []): Promise<RunResult> => {
        const r = prepare(text).run(...params);
        return { changes: r.changes, lastId: Number(r.lastInsertRowid) };
      },
    };
  }

  static open(opts: SqliteStoreOptions): SqliteStore {
    fs.mkdirSync(path.dirname(opts.file), { recursive: true });
    const db = new Database(opts.file, { timeout: 0 });
    try {
      db.pragma('journal_mode = WAL');
      // FULL: every commit is fsynced before we answer. NORMAL (relaxed) may lose the last commits
      // on power loss but never corrupts; benchmarks label which one they ran.
      db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 0');
      if (opts.exclusive) {
        db.pragma('locking_mode = EXCLUSIVE');
        // Take the write lock now and keep it: a second process fails here with SQLITE_BUSY.
        db.exec('BEGIN IMMEDIATE; COMMIT;');
      }
      runMigrations(db);
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        throw new AppError('DATA_DIR_LOCKED', `the store ${opts.file} is locked by another process`);
      }
      throw err;
    }
    return new SqliteStore(db, opts.durability);
  }

  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.assertOpen();
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.sql);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      this.assertOpen();
      return fn(this.sql);
    });
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.closed) return;
      this.closed = true;
      this.statements.clear();
      this.db.close();
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('STORE_UNAVAILABLE');
  }
}
