/**
 * The bridge's Telegram messages, as HTML (`parse_mode: HTML`): pure functions of what the API answered.
 * Every API-given string is escaped; every message fits Telegram's 4096-character limit.
 */
import { formatDuration } from '../cli/progress.js';

export const TELEGRAM_MAX_TEXT = 4096;
const TRUNCATED = '\n… (truncated)';
/** Triage lines shown per notification: the first few, the rest is one `/run <id>` away. */
const TRIAGE_LINES = 3;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cut an HTML message to `max` characters: never inside a tag or an entity, closing the tags left
 * open (we only emit <b>, <i>, <code>, <pre>), and saying it was cut.
 */
export function truncateHtml(html: string, max = TELEGRAM_MAX_TEXT): string {
  if (html.length <= max) return html;
  // Room for the marker and the closing tags (at most a few, each ≤ 6 chars).
  let cut = html.slice(0, Math.max(0, max - TRUNCATED.length - 40));
  const lt = cut.lastIndexOf('<');
  if (lt > cut.lastIndexOf('>')) cut = cut.slice(0, lt);
  const amp = cut.lastIndexOf('&');
  if (amp > cut.lastIndexOf(';')) cut = cut.slice(0, amp);
  const open: string[] = [];
  for (const m of cut.matchAll(/<(\/?)(b|i|code|pre)>/g)) {
    if (m[1]) open.pop();
    else open.push(m[2]!);
  }
  const close = open
    .reverse()
    .map((t) => `</${t}>`)
    .join('');
  return `${cut}${close}${TRUNCATED}`;
}

const b = (s: string) => `<b>${escapeHtml(s)}</b>`;
const e = escapeHtml;
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
const ms = (v: unknown) => (typeof v === 'number' ? formatDuration(v) : '-');

export interface RunLike {
  id: number;
  status: string;
  task_ids?: number[];
  workflow_template_id?: number | null;
  [key: string]: unknown;
}

export interface TaskLike {
  id: number;
  status: string;
  title?: string;
  step_id?: string | null;
  attempt?: number | null;
  failure_category?: string | null;
  failure_triage_hints?: string[];
  suggested_next_actions?: string[];
  [key: string]: unknown;
}

function triage(run: RunLike, tasks: TaskLike[], limit: number): string[] {
  const lines: string[] = [];
  const cats = strs(run.failure_categories);
  if (cats.length) lines.push(`categories: ${e(cats.join(', '))}`);
  for (const t of tasks.filter((x) => x.failure_category && x.status !== 'success').slice(0, limit))
    lines.push(
      `✗ ${e(t.step_id ?? t.title ?? '')} (task ${t.id}) ${e(t.status)}: ${e(t.failure_category ?? '')}`,
    );
  for (const h of strs(run.failure_triage_hints).slice(0, limit)) lines.push(`hint: ${e(h)}`);
  for (const a of strs(run.suggested_next_actions).slice(0, limit)) lines.push(`next: ${e(a)}`);
  return lines;
}

export function runFailedText(run: RunLike, tasks: TaskLike[]): string {
  const head = `❌ ${b(`run ${run.id} failed`)}${run.workflow_template_id != null ? ` (template ${run.workflow_template_id})` : ''}`;
  return truncateHtml([head, ...triage(run, tasks, TRIAGE_LINES), `/run ${run.id} for details`].join('\n'));
}

export function runSucceededText(run: RunLike): string {
  const n = run.task_ids?.length ?? 0;
  return truncateHtml(
    `✅ ${b(`run ${run.id} succeeded`)} in ${ms(run.duration_ms)} (${n} task${n === 1 ? '' : 's'})`,
  );
}

export interface ApprovalLike {
  id: number;
  task_id: number;
  status: string;
  run_id?: number | null;
  step_id?: string | null;
  task_title?: string;
  decided_by?: string | null;
  comment?: string | null;
}

export function approvalPendingText(a: ApprovalLike): string {
  const where = `${a.run_id != null ? `run ${a.run_id}, ` : ''}task ${a.task_id}${a.step_id ? ` (${e(a.step_id)})` : ''}`;
  return truncateHtml(
    [`⏸ ${b(`approval ${a.id} pending`)}: ${where}`, a.task_title ? e(a.task_title) : null]
      .filter((l) => l !== null)
      .join('\n'),
  );
}

/** The pending message once decided: the same text, then who decided (the buttons are removed). */
export function approvalDecidedText(a: ApprovalLike): string {
  const mark = a.status === 'approved' ? '✅' : a.status === 'rejected' ? '🚫' : 'ℹ️';
  const base = approvalPendingText({ ...a, status: 'pending' });
  const by = `${mark} ${e(a.status)} by ${e(a.decided_by ?? '-')}${a.comment ? `: ${e(a.comment)}` : ''}`;
  return truncateHtml(`${base}\n${by}`);
}

export interface InlineKeyboard {
  inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
}

export function approvalKeyboard(approvalId: number, runId?: number | null): InlineKeyboard {
  const row = [
    { text: 'Approve', callback_data: `approve:${approvalId}` },
    { text: 'Reject', callback_data: `reject:${approvalId}` },
  ];
  return { inline_keyboard: runId ? [row, muteKeyboard(runId).inline_keyboard[0]!] : [row] };
}

/** One button that mutes the run's further notifications (`mute:<run>`). */
export function muteKeyboard(runId: number): InlineKeyboard {
  return { inline_keyboard: [[{ text: `Mute run ${runId}`, callback_data: `mute:${runId}` }]] };
}

const CONTROL_VERB = { paused: 'paused', resumed: 'resumed', aborted: 'aborted', rerun: 'partly re-run' };

/** An operator's pause / resume / abort / partial re-run of a run, by whom and why. */
export function controlText(
  runId: number,
  action: keyof typeof CONTROL_VERB,
  actor: string | null,
  reason: string | null,
): string {
  const icon = action === 'aborted' ? '⛔' : action === 'rerun' ? '🔁' : action === 'paused' ? '⏸' : '▶️';
  const who = actor ? ` by ${e(actor)}` : '';
  return truncateHtml(
    `${icon} ${b(`run ${runId} ${CONTROL_VERB[action]}`)}${who}${reason ? `: ${e(reason)}` : ''}`,
  );
}

export function mutedText(runs: number[]): string {
  if (runs.length === 0) return 'no run is muted';
  return truncateHtml(`${b('muted runs')}: ${runs.join(', ')}\n/unmute &lt;id&gt; to hear from one again`);
}

export function runnerUnreachableText(runnerId: number, name: string, url: string | null): string {
  return truncateHtml(`⚠️ ${b(`runner ${name}`)} (id ${runnerId}) unreachable${url ? `: ${e(url)}` : ''}`);
}

export function runnerLostText(taskId: number, runId: number | null, runnerName: string): string {
  return truncateHtml(
    `⚠️ ${b(`runner ${runnerName} lost`)}: task ${taskId}${runId !== null ? ` of run ${runId}` : ''} failed with it`,
  );
}

export function runsListText(runs: RunLike[]): string {
  if (runs.length === 0) return 'no runs';
  const lines = runs.map(
    (r) => `${r.id}  ${e(r.status)}  ${r.task_ids?.length ?? 0} tasks  ${ms(r.duration_ms)}`,
  );
  return truncateHtml([b('last runs'), ...lines].join('\n'));
}

export function runDetailText(run: RunLike, tasks: TaskLike[]): string {
  const good = tasks.filter((t) => t.status === 'success').length;
  const lines = [
    `${b(`run ${run.id} ${run.status}`)}  duration ${ms(run.duration_ms)}  tasks ${good}/${tasks.length} succeeded`,
    ...tasks.map(
      (t) =>
        `• ${e(t.step_id ?? t.title ?? '')} (task ${t.id}) ${e(t.status)}${t.attempt ? `, attempt ${t.attempt}` : ''}`,
    ),
    ...triage(run, tasks, 10),
  ];
  return truncateHtml(lines.join('\n'));
}

export function errorText(code: string, message: string): string {
  // One line: the API's code first.
  return truncateHtml(`⚠️ ${e(code)}: ${e(message.replace(/\s+/g, ' '))}`);
}

export const HELP_TEXT = [
  b('multyagents bot'),
  '/runs: the last 10 runs with their status',
  '/run &lt;id&gt;: a run, its tasks and triage',
  '/abort &lt;id&gt; [reason]: abort a run',
  '/approve &lt;approval-id&gt; [comment]',
  '/reject &lt;approval-id&gt; [comment]',
  "/mute &lt;run-id&gt;, /unmute &lt;run-id&gt;: silence a run's notifications, or not",
  '/muted: the muted runs',
  '/help: this text',
].join('\n');
