/**
 * The facts readiness needs, read for one task inside the caller's transaction; the decision is
 * domain/readiness.ts.
 */
import { readiness, type Readiness } from '../domain/readiness.js';
import { getApprovalByTask } from '../store/ops/approvals.js';
import { artifactsOfTasks } from '../store/ops/dispatchContext.js';
import { getRunRow } from '../store/ops/runs.js';
import { activeLockPaths, statusesOf, stepIdsOf, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';

export async function taskReadiness(ctx: ServiceContext, sql: Sql, t: TaskRow): Promise<Readiness> {
  const run = t.run_id === null ? undefined : await getRunRow(sql, t.run_id);
  const deps = parseJson<number[]>(t.depends_on, []);
  const lockPaths = parseJson<string[]>(t.lock_paths, []);
  return readiness({
    // A run that vanished accepts nothing: judged as an ended one.
    runStatus: t.run_id === null ? null : (run?.status ?? 'aborted'),
    status: t.status,
    dependencyStatuses: (await statusesOf(sql, deps)).map((d) => d.status),
    missingArtifacts: await missingArtifacts(sql, t, deps),
    // Only a task created with requires_approval ever has an approval (the flag never changes).
    approval: t.requires_approval ? ((await getApprovalByTask(sql, t.id))?.status ?? 'none') : 'none',
    nextAttemptAt: t.next_attempt_at,
    now: ctx.clock.now(),
    lockPaths,
    // Locks are held while a task is active, even if an earlier attempt released them.
    heldLockPaths: lockPaths.length
      ? (await activeLockPaths(sql, t.id)).map((o) => parseJson<string[]>(o.lock_paths, []))
      : [],
  });
}

async function missingArtifacts(sql: Sql, t: TaskRow, deps: number[]): Promise<number> {
  const required = parseJson<Array<{ from_step_id?: string; artifact_type?: string; label?: string }>>(
    t.required_artifacts,
    [],
  );
  if (required.length === 0) return 0;
  const depSteps = t.run_id === null ? [] : await stepIdsOf(sql, t.run_id, deps);
  const arts = await artifactsOfTasks(sql, deps);
  let missing = 0;
  for (const req of required) {
    const producers = req.from_step_id
      ? depSteps.filter((d) => d.step_id === req.from_step_id).map((d) => d.id)
      : deps;
    const found = arts.some(
      (a) =>
        producers.includes(a.producer_task_id) &&
        (!req.artifact_type || a.artifact_type === req.artifact_type) &&
        (!req.label ||
          parseJson<Record<string, unknown>>(a.metadata, {}).label === req.label ||
          a.summary === req.label),
    );
    if (!found) missing++;
  }
  return missing;
}
