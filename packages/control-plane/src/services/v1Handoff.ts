/**
 * The first version's checks of a handoff that comes with a runner status report: only a terminal
 * report carries one, and every artifact it names must exist, be produced by the task and belong to
 * its run. A refused report changes nothing (task, attempt, events), as the caller returns before it
 * writes.
 */
import type { HandoffPayload, RunnerStatusReport } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import type { TaskRow } from '../store/ops/tasks.js';
import { artifactOwners } from '../store/ops/v1Fields.js';
import type { Sql } from '../store/sql.js';

export interface HandoffCheck {
  /** Set: refuse the report with it (422). */
  error?: AppError;
  /** Artifact refs that fail the checks, when the report is kept without them. */
  ignored: number[];
}

/**
 * `strict` (a report that names no attempt: a first-version caller) refuses a bad reference with 422
 * as v1 did. Our runner names its attempt and relays handoffs its agent wrote, which may name ids that
 * do not exist; refusing its terminal report would lose the attempt's outcome, so the bad references
 * are left out instead (and listed on the `handoff.created` event).
 */
export async function checkReportHandoff(
  sql: Sql,
  t: Pick<TaskRow, 'id' | 'run_id'>,
  report: Pick<RunnerStatusReport, 'status' | 'handoff'>,
  strict: boolean,
): Promise<HandoffCheck> {
  const h = report.handoff;
  if (!h) return { ignored: [] };
  if (report.status === 'running')
    return {
      ignored: [],
      error: new AppError('VALIDATION_FAILED', 'a handoff comes only with a terminal status', {
        field: 'handoff',
      }),
    };
  const owners = await artifactOwners(
    sql,
    h.artifacts.map((a) => a.artifact_id),
  );
  const ignored: number[] = [];
  for (const [i, ref] of h.artifacts.entries()) {
    const o = owners.get(ref.artifact_id);
    const problem = !o
      ? `handoff artifact ${ref.artifact_id} not found`
      : o.producer_task_id !== t.id
        ? `handoff artifact ${ref.artifact_id} must be produced by task ${t.id}`
        : t.run_id !== null && o.run_id !== t.run_id
          ? `handoff artifact ${ref.artifact_id} must belong to workflow run ${t.run_id}`
          : null;
    if (!problem) continue;
    if (strict)
      return {
        ignored: [],
        error: new AppError(o ? 'VALIDATION_FAILED' : 'UNKNOWN_REFERENCE', problem, {
          field: `handoff.artifacts.${i}.artifact_id`,
        }),
      };
    ignored.push(ref.artifact_id);
  }
  return { ignored };
}

export function withoutIgnored(h: HandoffPayload, ignored: readonly number[]): HandoffPayload {
  return ignored.length
    ? { ...h, artifacts: h.artifacts.filter((a) => !ignored.includes(a.artifact_id)) }
    : h;
}
