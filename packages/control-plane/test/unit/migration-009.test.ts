/**
 * Migration 009 (roles as in v1): a store created before it — role names unique, role skill packs
 * as ids — opens with the names kept in order, the uniqueness gone and the tasks' references intact.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../src/store/sqlite/migrate.js';
import { removeTempDirs, tempDir } from '../helpers/context.js';

describe('migration 009: roles_v1', () => {
  afterEach(() => removeTempDirs());

  it('turns pack ids into names, drops the unique role name, keeps foreign keys', () => {
    const db = new Database(path.join(tempDir('ma-mig-'), 'db.sqlite'));
    db.pragma('foreign_keys = ON');
    db.exec(
      `CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
    );
    for (const m of MIGRATIONS.filter((x) => x.id < 9)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.id, m.name, 'x');
    }
    const now = '2024-01-01T00:00:00.000Z';
    db.prepare('INSERT INTO skill_packs (name, skills, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      'tdd',
      '["skills/task-governance"]',
      now,
      now,
    );
    db.prepare('INSERT INTO skill_packs (name, skills, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      'review',
      '["skills/architecture-guard"]',
      now,
      now,
    );
    const role = db.prepare(
      'INSERT INTO roles (name, skill_packs, created_at, updated_at) VALUES (?, ?, ?, ?)',
    );
    role.run('coder', '[2,1]', now, now);
    role.run('tester', '[]', now, now);
    expect(() => role.run('coder', '[]', now, now)).toThrow(/UNIQUE/);
    db.prepare(
      "INSERT INTO tasks (role_id, title, status, created_at, updated_at) VALUES (1, 't', 'created', ?, ?)",
    ).run(now, now);

    expect(runMigrations(db)).toEqual(MIGRATIONS.filter((x) => x.id >= 9).map((x) => x.id));
    const rows = db.prepare('SELECT id, name, skill_packs FROM roles ORDER BY id').all();
    expect(rows).toEqual([
      { id: 1, name: 'coder', skill_packs: '["review","tdd"]' },
      { id: 2, name: 'tester', skill_packs: '[]' },
    ]);
    role.run('coder', '[]', now, now);
    expect(db.prepare("SELECT COUNT(*) AS n FROM roles WHERE name = 'coder'").get()).toEqual({ n: 2 });
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The tasks' reference still points at roles: a task of an unknown role is refused.
    expect(() =>
      db
        .prepare(
          "INSERT INTO tasks (role_id, title, status, created_at, updated_at) VALUES (99, 't', 'created', ?, ?)",
        )
        .run(now, now),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
