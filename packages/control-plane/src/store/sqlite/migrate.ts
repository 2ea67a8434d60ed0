import type Database from 'better-sqlite3';
import { migration001 } from './migrations/001_initial.js';
import { migration002 } from './migrations/002_ready_index.js';
import { migration003 } from './migrations/003_active_indexes.js';
import { migration004 } from './migrations/004_task_deps_by_task.js';
import { migration005 } from './migrations/005_drop_tasks_live.js';
import { migration006 } from './migrations/006_runner_draining.js';
import { migration007 } from './migrations/007_attempt_agent.js';
import { migration008 } from './migrations/008_worktrees.js';
import { migration009 } from './migrations/009_roles_v1.js';
import { migration010 } from './migrations/010_runner_credentials.js';
import { migration011 } from './migrations/011_idempotency_keys.js';
import { migration012 } from './migrations/012_list_filters.js';
import { migration013 } from './migrations/013_revisions.js';

/**
 * Numbered, append-only. Each runs in its own transaction with its version row. `foreignKeysOff`: a
 * table rebuild (SQLite's way to drop a constraint) runs with foreign keys off, and the keys are
 * checked before its commit.
 */
export const MIGRATIONS: ReadonlyArray<{ id: number; name: string; sql: string; foreignKeysOff?: boolean }> =
  [
    { id: 1, name: 'initial', sql: migration001 },
    { id: 2, name: 'ready_index', sql: migration002 },
    { id: 3, name: 'active_indexes', sql: migration003 },
    { id: 4, name: 'task_deps_by_task', sql: migration004 },
    { id: 5, name: 'drop_tasks_live', sql: migration005 },
    { id: 6, name: 'runner_draining', sql: migration006 },
    { id: 7, name: 'attempt_agent', sql: migration007 },
    { id: 8, name: 'worktrees', sql: migration008 },
    { id: 9, name: 'roles_v1', sql: migration009, foreignKeysOff: true },
    { id: 10, name: 'runner_credentials', sql: migration010 },
    { id: 11, name: 'idempotency_keys', sql: migration011 },
    { id: 12, name: 'list_filters', sql: migration012 },
    { id: 13, name: 'revisions', sql: migration013 },
  ];

export function runMigrations(db: Database.Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const done = new Set(
    (db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id),
  );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.id)) continue;
    // The pragma is a no-op inside a transaction: it is switched around it.
    const fkWasOn = m.foreignKeysOff === true && db.pragma('foreign_keys', { simple: true }) === 1;
    if (fkWasOn) db.pragma('foreign_keys = OFF');
    try {
      runOne(db, m);
    } finally {
      if (fkWasOn) db.pragma('foreign_keys = ON');
    }
    applied.push(m.id);
  }
  return applied;
}

function runOne(db: Database.Database, m: (typeof MIGRATIONS)[number]): void {
  db.transaction(() => {
    db.exec(m.sql);
    if (m.foreignKeysOff) {
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length) throw new Error(`migration ${m.id}: ${broken.length} foreign key violation(s)`);
    }
    db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
      m.id,
      m.name,
      new Date().toISOString(),
    );
  }).immediate();
}
