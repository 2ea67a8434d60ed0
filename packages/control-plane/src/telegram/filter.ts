/** Which events of the stream become a Telegram notification (MULTYAGENTS_TELEGRAM_NOTIFY). Pure. */
import type { NotifyKind } from '../config/telegram.js';

export type Notification =
  | { kind: 'failed'; runId: number }
  | { kind: 'succeeded'; runId: number }
  | { kind: 'approval'; approvalId: number }
  | { kind: 'runner-unreachable'; runnerId: number; url: string | null }
  | { kind: 'runner-lost'; taskId: number; runId: number | null; runnerId: number | null };

export interface EventLike {
  id: number;
  event_type: string;
  run_id: number | null;
  task_id: number | null;
  payload?: Record<string, unknown> | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** The notification an event asks for under `notify`, or null. */
export function notificationOf(e: EventLike, notify: ReadonlySet<NotifyKind>): Notification | null {
  const p = e.payload ?? {};
  switch (e.event_type) {
    case 'workflow_run.failed':
      return notify.has('failed') && e.run_id !== null ? { kind: 'failed', runId: e.run_id } : null;
    case 'workflow_run.succeeded':
      return notify.has('succeeded') && e.run_id !== null ? { kind: 'succeeded', runId: e.run_id } : null;
    case 'approval.pending': {
      const id = num(p.approval_id);
      return notify.has('approvals') && id !== null ? { kind: 'approval', approvalId: id } : null;
    }
    case 'runner.unreachable': {
      const id = num(p.runner_id);
      if (!notify.has('runners') || id === null) return null;
      return { kind: 'runner-unreachable', runnerId: id, url: typeof p.url === 'string' ? p.url : null };
    }
    case 'task.runner_lost':
      return notify.has('runners') && e.task_id !== null
        ? { kind: 'runner-lost', taskId: e.task_id, runId: e.run_id, runnerId: num(p.runner_id) }
        : null;
    default:
      return null;
  }
}
