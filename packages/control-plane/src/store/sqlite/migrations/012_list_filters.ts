/**
 * Migration 012: indexes for the operator cockpit's filtered, paged lists (`GET /workflow-runs`,
 * `GET /tasks`: keyset `id < before_id ORDER BY id DESC`, and `x-total-count`).
 *
 * Why each: without them a filter on a rare value walks the primary key from the newest row until
 * it has a page (every row when fewer match), and its count reads the whole table.
 * - Runs by template and by initiator: both fixed at creation (one index insert per run).
 * - Tasks by status, in two partial indexes rather than one on (status, id): a full status index
 *   would be rewritten at every status change (about six per task; task updates are the API's
 *   largest cost, migration 005), and SQLite prefers any index on `status = 'created'` to the
 *   partial `tasks_ready`/`tasks_waiting` for the scheduler's and sweeper's walks (measured with
 *   EXPLAIN QUERY PLAN: a `tasks_created` index took all three). So only the terminal statuses get
 *   one (`tasks_terminal`, changed once per task, when it ends); active statuses use `tasks_active`
 *   (migration 003); `created` walks the primary key (created tasks are the newest: a page is cheap,
 *   its count reads the table). The list's query repeats each partial index's WHERE so that SQLite
 *   can use it (store/ops/taskList.ts).
 * - Tasks by runner and by step: partial (NOT NULL); `x = ?` implies `x IS NOT NULL`, so SQLite
 *   uses them for the equality filters; tasks never dispatched / standalone cost nothing.
 */
export const migration012 = `
CREATE INDEX workflow_runs_template ON workflow_runs(workflow_template_id, id);
CREATE INDEX workflow_runs_initiator ON workflow_runs(initiated_by, id);
CREATE INDEX tasks_terminal ON tasks(status, id) WHERE status IN ('success','failed','canceled','submit-failed');
CREATE INDEX tasks_runner ON tasks(runner_id, id) WHERE runner_id IS NOT NULL;
CREATE INDEX tasks_step ON tasks(step_id, id) WHERE step_id IS NOT NULL;
`;
