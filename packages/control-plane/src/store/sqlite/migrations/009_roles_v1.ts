/**
 * Migration 009: roles as the first version had them (issue 17).
 *
 * - Role names are not unique (v1 accepted two roles named "planner"): the table is rebuilt without
 *   the UNIQUE constraint (SQLite cannot drop a column constraint; this is its documented 12-step
 *   rebuild, run with foreign keys off — tasks reference roles(id) — and checked before the commit).
 *   A plain index keeps look-ups by name cheap.
 * - `skill_packs` holds skill pack NAMES (v1's shape), no longer ids: each stored id becomes its pack's
 *   name, in the order the role listed them.
 */
export const migration009 = `
CREATE TABLE roles_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  context7_enabled INTEGER NOT NULL DEFAULT 0,
  system_prompt TEXT NOT NULL DEFAULT '',
  allowed_tools TEXT NOT NULL DEFAULT '[]',
  skill_packs TEXT NOT NULL DEFAULT '[]',
  execution_constraints TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
INSERT INTO roles_new (id, name, context7_enabled, system_prompt, allowed_tools, skill_packs,
                       execution_constraints, created_at, updated_at)
SELECT r.id, r.name, r.context7_enabled, r.system_prompt, r.allowed_tools,
       COALESCE((SELECT json_group_array(n) FROM (
                   SELECT sp.name AS n FROM json_each(r.skill_packs) je
                   JOIN skill_packs sp ON sp.id = je.value ORDER BY je.key)), '[]'),
       r.execution_constraints, r.created_at, r.updated_at
  FROM roles r;
DROP TABLE roles;
ALTER TABLE roles_new RENAME TO roles;
CREATE INDEX roles_by_name ON roles(name, id);
`;
