/**
 * Migration 002: dependency counters.
 *
 * Why: the dispatch pass used to read every `created` task and check its dependencies one by one, so a
 * run with 100 blocked steps cost 100 look-ups on every pass. Now each task counts its unfinished
 * dependencies (`deps_pending`); a dependency's success decrements its dependents through `task_deps`,
 * and the partial index `tasks_ready` holds exactly the tasks whose dependencies are all done.
 */
export const migration002 = `
ALTER TABLE tasks ADD COLUMN deps_pending INTEGER NOT NULL DEFAULT 0;

CREATE TABLE task_deps (
  depends_on INTEGER NOT NULL,
  task_id INTEGER NOT NULL,
  PRIMARY KEY (depends_on, task_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO task_deps (depends_on, task_id)
  SELECT CAST(j.value AS INTEGER), t.id FROM tasks t, json_each(t.depends_on) j;

UPDATE tasks SET deps_pending = (
  SELECT COUNT(*) FROM task_deps d JOIN tasks p ON p.id = d.depends_on
   WHERE d.task_id = tasks.id AND p.status != 'success');

CREATE INDEX tasks_ready ON tasks(id) WHERE status = 'created' AND deps_pending = 0;
`;
