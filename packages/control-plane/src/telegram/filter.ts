/** Which events of the stream become a Telegram notification (MULTYAGENTS_TELEGRAM_NOTIFY). Pure. */
import type { NotifyKind } from '../config/telegram.js';

export type Notification =
  | { kind: 'failed'; runId: number }
  | { kind: 'succeeded'; runId: number }
  | { kind: 'approval'; approvalId: number; runId?: number | null }
  | { kind: 'runner-unreachable'; runnerId: number; url: string | null }
  | { kind: 'runner-lost'; taskId: number; runId: number | null; runnerId: number | null }
  | { kind: 'control'; runId: number; action: ControlAction; actor: string | null; reason: string | null };

/** An operator's hand on a run (MULTYAGENTS_TELEGRAM_NOTIFY=control): who did what, and why. */
export type ControlAction = 'paused' | 'resumed' | 'aborted' | 'rerun';
const CONTROL_EVENTS: Record<string, ControlAction> = {
  'workflow_run.paused': 'paused',
  'workflow_run.resumed': 'resumed',
  'workflow_run.aborted': 'aborted',
  'workflow_run.partial_rerun_requested': 'rerun',
};

export interface EventLike {
  id: number;
  event_type: string;
  run_id: number | null;
  task_id: number | null;
  producer_role?: string | null;
  payload?: Record<string, unknown> | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The run a notification is about (what `/mute <run>` silences), or null (a runner's own state). */
export function runOf(n: Notification): number | null {
  switch (n.kind) {
    case 'failed':
    case 'succeeded':
    case 'control':
      return n.runId;
    case 'runner-lost':
      return n.runId;
    case 'approval':
      return n.runId ?? null;
    case 'runner-unreachable':
      return null;
  }
}

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
      return notify.has('approvals') && id !== null
        ? { kind: 'approval', approvalId: id, runId: e.run_id }
        : null;
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
    default: {
      const action = CONTROL_EVENTS[e.event_type];
      if (!action || !notify.has('control') || e.run_id === null) return null;
      const actor = str(p.requested_by) ?? str(e.producer_role);
      return { kind: 'control', runId: e.run_id, action, actor, reason: str(p.reason) };
    }
  }
}
