import { TASK_STATUSES } from '@multyagents/contracts';
import type { TrackedClient } from './common.js';

export interface AuditEvent {
  id: number;
  event_type: string;
  task_id: number | null;
  run_id: number | null;
  payload: Record<string, unknown>;
}

export interface TaskAudit {
  task_id: number;
  task: { id: number; status: string; attempt: number; step_id?: string | null };
  attempts: Array<{ attempt: number; status: string }>;
  events: AuditEvent[];
}

/** Events that move a task's status (one per transition; repeats are recorded as other types). */
const MOVES = new Set([
  'task.dispatched',
  'task.runner_queued',
  'task.runner_submit_failed',
  'task.runner_status_updated',
  'task.canceled',
  'task.runner_lost',
  'task.timed_out',
  'task.retry_scheduled',
]);

/**
 * What must hold for one task whatever the races did: a known status; attempts numbered 1..n with
 * exactly one `task.dispatched` per attempt; no transition recorded twice; nothing after success;
 * never dispatched before its approval, never after a rejection.
 */
export function taskProblems(a: TaskAudit): string[] {
  const p: string[] = [];
  const id = a.task_id;
  if (!(TASK_STATUSES as readonly string[]).includes(a.task.status))
    p.push(`task ${id}: unknown status ${a.task.status}`);
  const nums = a.attempts.map((x) => x.attempt).sort((x, y) => x - y);
  if (nums.some((n, i) => n !== i + 1)) p.push(`task ${id}: attempts not numbered 1..n: ${nums.join(',')}`);
  if (a.task.attempt !== nums.length)
    p.push(`task ${id}: task.attempt ${a.task.attempt} but ${nums.length} attempts`);
  const evs = [...a.events].sort((x, y) => x.id - y.id);
  const dispatched = evs.filter((e) => e.event_type === 'task.dispatched');
  const perAttempt = new Map<number, number>();
  for (const e of dispatched)
    perAttempt.set(Number(e.payload.attempt), (perAttempt.get(Number(e.payload.attempt)) ?? 0) + 1);
  if (dispatched.length !== nums.length)
    p.push(`task ${id}: ${dispatched.length} task.dispatched events for ${nums.length} attempts`);
  for (const [n, c] of perAttempt) if (c !== 1) p.push(`task ${id}: attempt ${n} dispatched ${c} times`);
  // One event per transition: within an attempt, the same move never appears twice.
  let attempt = 0;
  const seen = new Set<string>();
  let succeeded = false;
  for (const e of evs) {
    if (!MOVES.has(e.event_type)) continue;
    if (succeeded) p.push(`task ${id}: ${e.event_type} (event ${e.id}) after success`);
    if (e.event_type === 'task.dispatched') attempt = Number(e.payload.attempt);
    const key = `${attempt}:${e.event_type}:${String(e.payload.status ?? '')}`;
    if (seen.has(key)) p.push(`task ${id}: transition ${key} recorded twice`);
    seen.add(key);
    if (e.event_type === 'task.runner_status_updated' && e.payload.status === 'success') succeeded = true;
  }
  const approved = evs.find((e) => e.event_type === 'approval.approved');
  const rejected = evs.find((e) => e.event_type === 'approval.rejected');
  if (approved && rejected) p.push(`task ${id}: approved and rejected`);
  for (const d of dispatched) {
    if (rejected) p.push(`task ${id}: dispatched (event ${d.id}) although rejected`);
    const gated = evs.some((e) => e.event_type === 'approval.pending');
    if (gated && (!approved || d.id < approved.id))
      p.push(`task ${id}: dispatched (event ${d.id}) before approval`);
  }
  return p;
}

/** No task of the run was dispatched while the run was paused (events are in commit order). */
export function pauseProblems(runId: number, events: AuditEvent[]): string[] {
  const p: string[] = [];
  let paused: number | null = null;
  for (const e of [...events].sort((x, y) => x.id - y.id)) {
    if (e.event_type === 'workflow_run.paused') paused = e.id;
    else if (e.event_type === 'workflow_run.resumed' || e.event_type === 'workflow_run.aborted')
      paused = null;
    else if (e.event_type === 'task.dispatched' && paused !== null)
      p.push(
        `run ${runId}: task ${e.task_id} dispatched (event ${e.id}) while paused (since event ${paused})`,
      );
  }
  return p;
}

export async function auditTasks(api: TrackedClient, taskIds: number[]): Promise<TaskAudit[]> {
  const out: TaskAudit[] = [];
  for (const id of taskIds) out.push(await api.ok<TaskAudit>('GET', `/tasks/${id}/audit`));
  return out;
}
