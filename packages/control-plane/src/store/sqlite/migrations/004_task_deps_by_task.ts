/**
 * Migration 004: look a task's own dependencies up by task id. `setDependencies` counts the
 * unfinished dependencies of a new task by `task_id`; the primary key is (depends_on, task_id), so that
 * count read all of `task_deps` (28 ms per created task at 1M runs, `multyagents bench` B7).
 */
export const migration004 = `
CREATE INDEX task_deps_task ON task_deps(task_id);
`;
