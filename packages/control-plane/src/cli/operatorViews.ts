/**
 * Text views of the operator's verbs: pure functions of what the API answered (and `now`), so that
 * they are tested without a server.
 */
import { formatDuration, isTerminalTask, taskDurationMs, taskLine } from './progress.js';
import type { RunView, TaskView } from './runApi.js';

type Name = (id: number) => string;

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function ms(v: unknown): string {
  return typeof v === 'number' ? formatDuration(v) : '-';
}

export function runsTable(runs: RunView[]): string {
  if (runs.length === 0) return 'no runs\n';
  return table(
    ['ID', 'STATUS', 'TASKS', 'DURATION', 'TEMPLATE', 'CREATED', 'BY'],
    runs.map((r) => [
      String(r.id),
      r.status,
      String(r.task_ids.length),
      ms(r.duration_ms),
      r.workflow_template_id == null ? '-' : String(r.workflow_template_id),
      String(r.created_at ?? '-'),
      String(r.initiated_by ?? '-'),
    ]),
  );
}

/** Triage of a task that did not succeed: category, failing step, message, hints, next actions. */
export function triageLines(t: TaskView, indent: string): string[] {
  const out: string[] = [];
  if (t.failure_category || t.failure_step)
    out.push(
      `${indent}category: ${t.failure_category ?? 'unknown'}${t.failure_step ? ` (step ${t.failure_step})` : ''}`,
    );
  if (typeof t.message === 'string' && t.message) out.push(`${indent}message: ${t.message}`);
  for (const h of t.failure_triage_hints ?? []) out.push(`${indent}hint: ${h}`);
  for (const a of t.suggested_next_actions ?? []) out.push(`${indent}next: ${a}`);
  return out;
}

/** `runs show`: the run, one line per task, then the triage of each task that did not succeed. */
export function runDetail(run: RunView, tasks: TaskView[], runnerName: Name, now: number): string {
  const lines = [
    `run ${run.id}  ${run.status}  template ${run.workflow_template_id ?? '-'}  by ${String(run.initiated_by ?? '-')}`,
    `  created ${String(run.created_at ?? '-')}  started ${String(run.started_at ?? '-')}  finished ${String(run.finished_at ?? '-')}  duration ${ms(run.duration_ms)}`,
  ];
  const good = tasks.filter((t) => t.status === 'success').length;
  lines.push(`tasks  ${good}/${tasks.length} succeeded`);
  for (const t of tasks) lines.push(`  ${taskLine(t, runnerName, now)}  (task ${t.id})`);
  for (const t of tasks.filter((x) => isTerminalTask(x.status) && x.status !== 'success')) {
    lines.push(`${t.step_id ?? `task ${t.id}`} (task ${t.id}) ${t.status}:`);
    lines.push(...triageLines(t, '    '));
  }
  // The run's own hints (e.g. an exhausted retry budget); those of its tasks are shown above.
  const shown = new Set(
    tasks.flatMap((t) => [...(t.failure_triage_hints ?? []), ...(t.suggested_next_actions ?? [])]),
  );
  const hints = ((run.failure_triage_hints as string[] | undefined) ?? []).filter((h) => !shown.has(h));
  const next = ((run.suggested_next_actions as string[] | undefined) ?? []).filter((a) => !shown.has(a));
  if (hints.length || next.length) {
    lines.push('run triage:');
    for (const h of hints) lines.push(`    hint: ${h}`);
    for (const a of next) lines.push(`    next: ${a}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Agent {
  agent?: string;
  session_id?: string | null;
  model?: string | null;
  turns?: number | null;
  usage?: { input_tokens?: number; output_tokens?: number } | null;
  cost_usd?: number | null;
  files_changed?: string[];
  verdict?: string;
}

/** `tasks show`: the task's state, attempt, runner, triage, agent summary and last output lines. */
export function taskDetail(t: TaskView, runnerName: Name, now: number, tailLines = 10): string {
  const d = taskDurationMs(t, now);
  const lines = [
    `task ${t.id}  ${t.status}  ${t.title}`,
    `  run ${String(t.run_id ?? '-')}  step ${t.step_id ?? '-'}  attempt ${t.attempt || '-'}  retries used ${String(t.retries_used ?? 0)}`,
    `  runner ${t.runner_id != null ? runnerName(t.runner_id) : '-'}  duration ${d === null ? '-' : formatDuration(d)}  exit code ${String(t.exit_code ?? '-')}`,
  ];
  if (t.requires_approval)
    lines.push(`  approval ${String(t.approval_id ?? '-')}: ${String(t.approval_status ?? '-')}`);
  if (t.status !== 'success') lines.push(...triageLines(t, '  '));
  else if (typeof t.message === 'string' && t.message) lines.push(`  message: ${t.message}`);
  const a = t.agent as Agent | null | undefined;
  if (a) {
    const tokens = a.usage ? `${a.usage.input_tokens ?? 0} in / ${a.usage.output_tokens ?? 0} out` : '-';
    const cost = typeof a.cost_usd === 'number' ? `  cost $${a.cost_usd.toFixed(4)}` : '';
    lines.push(
      `  agent ${a.agent ?? '?'}  session ${a.session_id ?? '-'}  turns ${a.turns ?? '-'}  tokens ${tokens}${cost}  verdict ${a.verdict ?? '-'}`,
    );
    if (a.files_changed?.length) lines.push(`  files changed: ${a.files_changed.join(', ')}`);
  }
  const tail = String(t.output_tail ?? '')
    .split('\n')
    .filter((l) => l.trim())
    .slice(-tailLines);
  if (tail.length) {
    lines.push('  last output:');
    for (const l of tail) lines.push(`    | ${l}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ApprovalItem {
  id: number;
  task_id: number;
  status: string;
  decided_by?: string | null;
  comment?: string | null;
  run_id?: number | null;
  step_id?: string | null;
  task_title?: string;
  task_status?: string;
  created_at?: string;
}

export function approvalsTable(list: ApprovalItem[]): string {
  if (list.length === 0) return 'no approvals\n';
  return table(
    ['ID', 'STATUS', 'RUN', 'TASK', 'STEP', 'TASK STATUS', 'DECIDED BY', 'TITLE'],
    list.map((a) => [
      String(a.id),
      a.status,
      a.run_id == null ? '-' : String(a.run_id),
      String(a.task_id),
      a.step_id ?? '-',
      a.task_status ?? '-',
      a.decided_by ? `${a.decided_by}${a.comment ? ` (${a.comment})` : ''}` : '-',
      a.task_title ?? '',
    ]),
  );
}

export interface RunnerItem {
  id: number;
  name: string;
  url: string;
  liveness: string;
  draining?: boolean;
  /** Unreachable past the lost grace: its attempts are failed over (absent from older APIs). */
  lost?: boolean;
  capacity?: number;
  active_attempts?: number;
  labels?: string[];
  executor?: string | null;
  last_seen_at?: string | number | null;
}

function ago(ts: unknown, now: number): string {
  const t = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? `${formatDuration(Math.max(0, now - t))} ago` : '-';
}

export function runnersTable(list: RunnerItem[], now: number): string {
  if (list.length === 0) return 'no runners registered\n';
  return table(
    ['ID', 'NAME', 'LIVENESS', 'HELD/CAPACITY', 'EXECUTOR', 'LABELS', 'LAST SEEN', 'URL'],
    list.map((r) => [
      String(r.id),
      r.name,
      `${r.liveness}${r.lost ? ' (lost)' : r.draining ? ' (draining)' : ''}`,
      `${r.active_attempts ?? 0}/${r.capacity ?? '?'}`,
      r.executor ?? '-',
      r.labels?.length ? r.labels.join(',') : '-',
      ago(r.last_seen_at, now),
      r.url,
    ]),
  );
}
