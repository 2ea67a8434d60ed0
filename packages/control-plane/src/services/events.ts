import type { EventCreate, EventRecord } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import { runExists, taskRef } from '../store/ops/artifacts.js';
import { insertEvent, listEvents as listEventRows, type EventFilter } from '../store/ops/events.js';
import type { Sql } from '../store/sql.js';
import { nowIso, type ServiceContext } from './context.js';

/**
 * The run a new record belongs to: the given run (which must exist) or the task's run. A task that
 * belongs to another run than the one named is refused, so timelines never mix runs.
 */
export async function resolveRunAndTask(
  sql: Sql,
  runId: number | null | undefined,
  taskId: number | null | undefined,
  taskField = 'task_id',
): Promise<{ run_id: number | null; task_id: number | null }> {
  if (runId != null && !(await runExists(sql, runId)))
    throw new AppError('WORKFLOW_RUN_NOT_FOUND', `workflow run ${runId} not found`, { field: 'run_id' });
  if (taskId == null) return { run_id: runId ?? null, task_id: null };
  const task = await taskRef(sql, taskId);
  if (!task) throw new AppError('TASK_NOT_FOUND', `task ${taskId} not found`, { field: taskField });
  if (runId != null && task.run_id !== runId)
    throw new AppError('VALIDATION_FAILED', `task ${taskId} does not belong to workflow run ${runId}`, {
      field: 'run_id',
    });
  return { run_id: runId ?? task.run_id, task_id: taskId };
}

export async function createEvent(ctx: ServiceContext, body: EventCreate): Promise<EventRecord> {
  return ctx.store.tx(async (sql) => {
    const refs = await resolveRunAndTask(sql, body.run_id, body.task_id);
    const now = nowIso(ctx);
    const event = {
      event_type: body.event_type,
      ...refs,
      producer_role: body.producer_role,
      payload: body.payload,
    };
    const id = await insertEvent(sql, event, now);
    return { id, contract_version: 'v1', ...event, created_at: now };
  });
}

export function listEvents(ctx: ServiceContext, filter: EventFilter): Promise<EventRecord[]> {
  return ctx.store.read((sql) => listEventRows(sql, filter));
}
