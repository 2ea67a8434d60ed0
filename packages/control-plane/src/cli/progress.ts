import { TERMINAL_RUN_STATUSES, TERMINAL_TASK_STATUSES } from '@multyagents/contracts';
import type { RunView, TaskView } from './runApi.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function isTerminalTask(status: string): boolean {
  return (TERMINAL_TASK_STATUSES as readonly string[]).includes(status);
}

export function isTerminalRun(status: string): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** Run time of a task: start to finish, or start to now while it runs; null before it started. */
export function taskDurationMs(t: TaskView, now: number): number | null {
  const start = t.started_at ? Date.parse(t.started_at) : NaN;
  if (!Number.isFinite(start)) return null;
  const end = t.finished_at ? Date.parse(t.finished_at) : now;
  return Math.max(0, (Number.isFinite(end) ? end : now) - start);
}

function mark(status: string, frame: number | undefined): string {
  if (status === 'success') return '✔';
  if (isTerminalTask(status)) return '✖';
  if (status === 'running') return frame === undefined ? '▶' : SPINNER[frame % SPINNER.length];
  return '·';
}

/** One line per task: step, status, attempt, runner, duration, title. */
export function taskLine(
  t: TaskView,
  runnerName: (id: number) => string,
  now: number,
  frame?: number,
): string {
  const d = taskDurationMs(t, now);
  const runner = t.runner_id != null ? runnerName(t.runner_id) : '-';
  return [
    mark(t.status, frame),
    (t.step_id ?? `task-${t.id}`).padEnd(14),
    t.status.padEnd(15),
    `attempt ${t.attempt || '-'}`.padEnd(10),
    runner.padEnd(12),
    (d === null ? '-' : formatDuration(d)).padEnd(8),
    t.title,
  ].join(' ');
}

/** What decides whether a non-TTY line is printed again: a change of status, attempt or runner. */
function lineKey(t: TaskView): string {
  return `${t.status}|${t.attempt ?? ''}|${t.runner_id ?? ''}`;
}

/**
 * Live view of a run. On a TTY it redraws one block (a header and one line per task, a spinner on
 * running tasks); elsewhere (pipes, CI logs) it prints a line only when a task changes.
 */
export class RunProgress {
  private drawn = 0;
  private frame = 0;
  private readonly keys = new Map<number, string>();
  private lastRunStatus = '';

  constructor(
    private readonly out: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean },
    private readonly runnerName: (id: number) => string,
    private readonly tty = Boolean(out.isTTY) && !process.env.NO_COLOR,
  ) {}

  /** Redrawn in place with a spinner (a terminal), rather than a line per change. */
  get animated(): boolean {
    return this.tty;
  }

  update(run: RunView, tasks: TaskView[], now = Date.now()): void {
    this.frame++;
    if (this.tty) {
      const running = tasks.filter((t) => !isTerminalTask(t.status)).length;
      const head = `run ${run.id} ${run.status}${running ? ` · ${running} task(s) active ${SPINNER[this.frame % SPINNER.length]}` : ''}`;
      const lines = [head, ...tasks.map((t) => `  ${taskLine(t, this.runnerName, now, this.frame)}`)];
      let s = this.drawn ? `\x1b[${this.drawn}A` : '';
      for (const l of lines) s += `\x1b[2K${l}\n`;
      this.out.write(s);
      this.drawn = lines.length;
      return;
    }
    // A run's start is printed before its task lines, its end after them.
    const runChanged = run.status !== this.lastRunStatus;
    this.lastRunStatus = run.status;
    const runLine = `run ${run.id} ${run.status}\n`;
    if (runChanged && !isTerminalRun(run.status)) this.out.write(runLine);
    for (const t of tasks) {
      const key = lineKey(t);
      if (this.keys.get(t.id) === key) continue;
      this.keys.set(t.id, key);
      this.out.write(`  ${taskLine(t, this.runnerName, now)}\n`);
    }
    if (runChanged && isTerminalRun(run.status)) this.out.write(runLine);
  }
}

export interface Summary {
  ok: boolean;
  text: string;
}

/** The closing report: outcome, counts, and for each failed task its triage and last output. */
export function summarize(
  run: RunView,
  tasks: TaskView[],
  runnerName: (id: number) => string,
  logTails: ReadonlyMap<number, string[]>,
  elapsedMs: number,
): Summary {
  const ok = run.status === 'success';
  const good = tasks.filter((t) => t.status === 'success').length;
  const lines = [
    `run ${run.id} ${run.status} in ${formatDuration(elapsedMs)} — ${good}/${tasks.length} tasks succeeded`,
  ];
  for (const t of tasks.filter((x) => isTerminalTask(x.status) && x.status !== 'success')) {
    lines.push(
      `  ✖ ${t.step_id ?? `task ${t.id}`} (task ${t.id}) ${t.status} after attempt ${t.attempt ?? '-'}` +
        `${t.runner_id != null ? ` on ${runnerName(t.runner_id)}` : ''}`,
    );
    lines.push(
      `      category: ${t.failure_category ?? 'unknown'}${t.failure_step ? ` (step ${t.failure_step})` : ''}`,
    );
    if (typeof t.message === 'string' && t.message) lines.push(`      message: ${t.message}`);
    for (const h of t.failure_triage_hints ?? []) lines.push(`      hint: ${h}`);
    for (const a of t.suggested_next_actions ?? []) lines.push(`      next: ${a}`);
    const tail = logTails.get(t.id) ?? [];
    if (tail.length) {
      lines.push('      last output:');
      for (const l of tail) lines.push(`        | ${l}`);
    }
  }
  const waiting = tasks.filter((t) => !isTerminalTask(t.status));
  if (!ok && waiting.length) {
    lines.push(`  not finished: ${waiting.map((t) => `${t.step_id ?? t.id} (${t.status})`).join(', ')}`);
  }
  return { ok, text: `${lines.join('\n')}\n` };
}
