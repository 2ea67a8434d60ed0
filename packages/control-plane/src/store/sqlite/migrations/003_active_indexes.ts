/**
 * Migration 003: partial indexes whose WHERE is written exactly like the queries that use them.
 *
 * Why: SQLite uses a partial index only when it can prove the query's WHERE implies the index's; an
 * `IN` list of four statuses does not "imply" the five-status `tasks_live` index, so the sweeper's
 * active-task list and the lock check read the whole tasks table (measured by `multyagents bench`
 * B7: the two full scans that made a 1M-run store 15-30x slower). The query texts in
 * store/ops/tasks.ts must keep these exact expressions.
 */
export const migration003 = `
CREATE INDEX tasks_active ON tasks(id) WHERE status IN ('dispatched','queued','running','cancel-requested');
CREATE INDEX tasks_waiting ON tasks(id) WHERE ready_since IS NOT NULL;
`;
