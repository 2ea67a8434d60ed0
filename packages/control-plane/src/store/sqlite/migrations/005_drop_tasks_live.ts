/**
 * Migration 005: drop `tasks_live`. No query uses it any more — the scheduler and sweeper read the
 * narrower partial indexes `tasks_ready` (002) and `tasks_active` (003), and a `status = ?` filter
 * with a bound value cannot use a partial index at all — yet every status change of every task paid
 * for keeping it up to date (`multyagents bench` B3 profile: task updates are the API's largest cost).
 */
export const migration005 = `
DROP INDEX IF EXISTS tasks_live;
`;
