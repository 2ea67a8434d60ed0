/**
 * `watch`: events of the stream → the transitions an operator follows (a run or a task changing status,
 * a retry scheduled, an approval decided), and their one-line text. Pure.
 */

/** An event as the stream (and GET /events) gives it. */
export interface StreamEvent {
  id: number;
  event_type: string;
  run_id: number | null;
  task_id: number | null;
  producer_role?: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface Transition {
  event_id: number;
  at: string;
  event_type: string;
  kind: 'run' | 'task' | 'retry' | 'approval';
  run_id: number | null;
  task_id: number | null;
  step_id: string | null;
  from: string | null;
  to: string;
  attempt: number | null;
  runner: string | null;
  failure_category: string | null;
  /** An operator's reason (abort, pause), an approval's comment, a retry's delay. */
  note: string | null;
}

export interface WatchLookups {
  step(taskId: number): string | null;
  runner(taskId: number): string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** The transition an event records, or null for events that change no status. */
export function transitionOf(e: StreamEvent, look: WatchLookups): Transition | null {
  const p = e.payload ?? {};
  const base = {
    event_id: e.id,
    at: e.created_at,
    event_type: e.event_type,
    run_id: e.run_id,
    task_id: e.task_id,
    step_id: e.task_id !== null ? look.step(e.task_id) : null,
    attempt: num(p.attempt),
    runner: e.task_id !== null ? look.runner(e.task_id) : null,
    failure_category: str(p.failure_category),
  };
  if (e.event_type === 'task.retry_scheduled' && e.task_id !== null) {
    const delay = num(p.delay_ms);
    return {
      ...base,
      kind: 'retry',
      from: null,
      to: 'retry scheduled',
      attempt: num(p.failed_attempt),
      note: `retry ${num(p.retry_number) ?? '?'}${delay !== null ? ` in ${delay} ms` : ''}`,
    };
  }
  if (e.event_type.startsWith('approval.')) {
    const to = e.event_type.slice('approval.'.length);
    const who = str(p.actor);
    const comment = str(p.comment);
    return {
      ...base,
      kind: 'approval',
      from: null,
      to,
      note:
        [
          num(p.approval_id) !== null ? `approval ${num(p.approval_id)}` : null,
          who ? `by ${who}` : null,
          comment,
        ]
          .filter(Boolean)
          .join(' ') || null,
    };
  }
  const from = str(p.from);
  const to = str(p.to);
  if (!to || from === to) return null;
  const kind = e.event_type.startsWith('workflow_run.')
    ? 'run'
    : e.event_type.startsWith('task.')
      ? 'task'
      : null;
  if (!kind || (kind === 'task' && e.task_id === null)) return null;
  return { ...base, kind, from, to, note: str(p.reason) };
}

/** `07:50:33.120` of an ISO time (UTC, as the API writes it); the text itself if not a time. */
export function clock(iso: string): string {
  const m = /T(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(iso);
  return m ? `${m[1]}.${(m[2] ?? '').slice(0, 3).padEnd(3, '0')}` : iso;
}

export function transitionLine(t: Transition): string {
  const at = clock(t.at);
  const note = t.note ? `  (${t.note})` : '';
  if (t.kind === 'run') return `${at}  run ${t.run_id}  ${t.from ?? '?'} → ${t.to}${note}`;
  const who = `task ${t.task_id}${t.step_id ? ` ${t.step_id}` : ''}`;
  if (t.kind === 'retry') return `${at}  ${who}  attempt ${t.attempt ?? '?'} failed, ${t.note}`;
  if (t.kind === 'approval') return `${at}  ${who}  approval ${t.to}${note}`;
  const extra = [
    t.attempt ? `attempt ${t.attempt}` : null,
    t.runner ? `on ${t.runner}` : null,
    t.failure_category ? `category ${t.failure_category}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return `${at}  ${who}  ${t.from ?? '?'} → ${t.to}${extra ? `  ${extra}` : ''}${note}`;
}
