/**
 * Text views of the cockpit's read verbs (`runs list` paging, `runs counts`, `tasks list`, `tasks stuck`,
 * `tasks diff`, `drills`): pure functions of what the API answered, tested without a server.
 */
import type { DrillEvidenceSummary, RunCounts, StuckReason, TaskDiff } from '@multyagents/contracts';
import { headerValue, type ResponseHeaders } from './http.js';
import { table } from './operatorViews.js';
import { formatDuration } from './progress.js';
import type { TaskView } from './runApi.js';

/** What a page's headers say: how many match in all, where the page stands, and its neighbours' cursors. */
export interface PageInfo {
  /** null when the API sent no `x-total-count` (an API older than the cockpit's). */
  total: number | null;
  nextBeforeId: number | null;
  /** Matching rows newer than the page (`x-page-offset`); null from an API without it. */
  offset: number | null;
  /** The newer page's cursor; null when that page is the first one (or the API sent no offset). */
  prevBeforeId: number | null;
}

function headerInt(headers: ResponseHeaders, name: string): number | null {
  const v = headerValue(headers, name);
  return v !== null && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

export function pageInfo(headers: ResponseHeaders): PageInfo {
  return {
    total: headerInt(headers, 'x-total-count'),
    nextBeforeId: headerInt(headers, 'x-next-before-id'),
    offset: headerInt(headers, 'x-page-offset'),
    prevBeforeId: headerInt(headers, 'x-prev-before-id'),
  };
}

/**
 * `12 runs match; showing 4-6; newer: the first page; older: --before-id 40` for a page of `shown` rows:
 * the position only when the page is not all of them, `newer:` only past the first page; empty when
 * the API sent no total.
 */
export function pageFooter(noun: 'run' | 'task', p: PageInfo, shown: number): string {
  if (p.total === null) return '';
  const parts = [`${p.total} ${noun}${p.total === 1 ? ' matches' : 's match'}`];
  if (p.offset !== null && shown > 0 && shown < p.total)
    parts.push(`showing ${p.offset + 1}${shown > 1 ? `-${p.offset + shown}` : ''}`);
  if (p.offset !== null && p.offset > 0)
    parts.push(`newer: ${p.prevBeforeId !== null ? `--before-id ${p.prevBeforeId}` : 'the first page'}`);
  if (p.nextBeforeId !== null) parts.push(`older: --before-id ${p.nextBeforeId}`);
  return `${parts.join('; ')}\n`;
}

/** `runs counts`: every status the API counted, in its order, then the total. */
export function countsTable(c: RunCounts): string {
  const rows = Object.entries(c.by_status).map(([s, n]) => [s, String(n)]);
  return `${table(['STATUS', 'RUNS'], rows)}total ${c.total}\n`;
}

export function tasksTable(tasks: TaskView[], runnerName: (id: number) => string): string {
  if (tasks.length === 0) return 'no tasks\n';
  return table(
    ['ID', 'STATUS', 'RUN', 'STEP', 'ATTEMPT', 'RUNNER', 'TITLE'],
    tasks.map((t) => [
      String(t.id),
      t.status,
      t.run_id == null ? '-' : String(t.run_id as number),
      t.step_id ?? '-',
      t.attempt ? String(t.attempt) : '-',
      t.runner_id != null ? runnerName(t.runner_id) : '-',
      t.title,
    ]),
  );
}

/** One entry of `GET /tasks/stuck`. */
export interface StuckItem {
  task: TaskView;
  reason: StuckReason | string;
  since: string;
  age_ms: number;
  detail: string;
}

export function stuckTable(list: StuckItem[], olderThanS: number | null): string {
  if (list.length === 0)
    return `no stuck tasks${olderThanS === null ? '' : ` (waiting ${olderThanS}s or longer)`}\n`;
  return table(
    ['REASON', 'AGE', 'TASK', 'RUN', 'STEP', 'STATUS', 'DETAIL'],
    list.map((s) => [
      s.reason,
      formatDuration(Math.max(0, s.age_ms)),
      String(s.task.id),
      s.task.run_id == null ? '-' : String(s.task.run_id as number),
      s.task.step_id ?? '-',
      s.task.status,
      s.detail,
    ]),
  );
}

/** Colours on a terminal only, and never with NO_COLOR set (https://no-color.org). */
export function colourWanted(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return Boolean(isTTY) && !env.NO_COLOR;
}

const SGR = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** The unified diff, added lines green and removed ones red (hunk heads cyan, file heads bold) when `colour`. */
export function colourPatch(patch: string, colour: boolean): string {
  if (!colour || !patch) return patch;
  return patch
    .split('\n')
    .map((l) => {
      const c = /^(diff --git |index |--- |\+\+\+ |new file|deleted file|rename |similarity )/.test(l)
        ? SGR.bold
        : l.startsWith('@@')
          ? SGR.cyan
          : l.startsWith('+')
            ? SGR.green
            : l.startsWith('-')
              ? SGR.red
              : '';
      return c && l ? `${c}${l}${SGR.reset}` : l;
    })
    .join('\n');
}

/** `--stat`: one line per file (`+3 −1  path`, binary files marked), then the totals. */
export function diffStat(d: TaskDiff): string {
  const bin = (f: TaskDiff['files'][number]) => f.insertions < 0 || f.deletions < 0;
  const rows = d.files.map((f) =>
    bin(f) ? ['binary', '', f.path] : [`+${f.insertions}`, `−${f.deletions}`, f.path],
  );
  const ins = d.files.reduce((n, f) => n + (bin(f) ? 0 : f.insertions), 0);
  const del = d.files.reduce((n, f) => n + (bin(f) ? 0 : f.deletions), 0);
  const head = `task ${d.task_id} attempt ${d.attempt}: ${d.from_sha.slice(0, 12)}..${d.to_sha.slice(0, 12)}\n`;
  const body = rows.length ? table(['ADDED', 'REMOVED', 'FILE'], rows) : '';
  return `${head}${body}${d.files.length} file${d.files.length === 1 ? '' : 's'} changed, +${ins} −${del}\n`;
}

/** A path as one shell word (single-quoted when it holds anything but safe characters). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The last line of a cut patch: that it was cut, and the command that prints all of it. */
export function truncatedNote(d: TaskDiff): string {
  return `patch truncated at ${d.patch_bytes} bytes; the whole diff: git -C ${shellWord(d.repo_root)} diff ${d.from_sha}..${d.to_sha}\n`;
}

/** `tasks diff` without `--stat`: the patch (ending in a newline), then the truncation note if cut. */
export function diffText(d: TaskDiff, colour: boolean): string {
  const patch = d.patch && !d.patch.endsWith('\n') ? `${d.patch}\n` : d.patch;
  return `${colourPatch(patch, colour)}${d.truncated ? truncatedNote(d) : ''}`;
}

export function drillsTable(list: DrillEvidenceSummary[]): string {
  if (list.length === 0) return 'no chaos evidence (run `multyagents chaos`)\n';
  return table(
    ['ID', 'VERDICT', 'PASSED', 'FAILED', 'INCONCLUSIVE', 'SEED', 'STARTED', 'NOT PASSED'],
    list.map((e) => [
      e.id,
      e.verdict,
      `${e.passed}/${e.total}`,
      String(e.failed),
      String(e.inconclusive),
      e.seed === null ? '-' : String(e.seed),
      e.started_at ?? '-',
      e.error ??
        (e.drills
          .filter((d) => d.status !== 'success')
          .map((d) => d.id)
          .join(', ') ||
          '-'),
    ]),
  );
}

const obj = (x: unknown): Record<string, unknown> =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
const text = (x: unknown, def = '-'): string =>
  typeof x === 'string' || typeof x === 'number' ? String(x) : def;

/**
 * `drills show`: the report of one `multyagents chaos` invocation (its `report.json` as the API answers
 * it): the verdict, then each drill with its status, checks and the checks that did not hold.
 */
export function drillReportText(id: string, report: Record<string, unknown>): string {
  const summary = obj(report.summary);
  const verdict = summary.overall_status === 'success' ? 'PASS' : 'FAIL';
  const scenarios = Array.isArray(report.scenarios) ? report.scenarios.map(obj) : [];
  const lines = [
    `evidence ${id}  ${verdict}  seed ${text(obj(report.config).seed)}  ${text(summary.passed, '?')}/${text(summary.total, String(scenarios.length))} passed`,
  ];
  for (const s of scenarios) {
    const checks = Array.isArray(s.checks) ? s.checks.map(obj) : [];
    const bad = checks.filter((c) => c.valid !== true || c.inconclusive === true);
    const wall = obj(s.timings).wall_ms;
    lines.push(
      `  ${text(s.scenario, '?')}  ${text(s.status, 'unknown')}  ${checks.length - bad.length}/${checks.length} checks` +
        `${typeof wall === 'number' ? `  ${formatDuration(wall)}` : ''}  ${text(s.name, '')}`.trimEnd(),
    );
    for (const c of bad)
      lines.push(
        `      ${c.inconclusive === true ? 'inconclusive' : 'failed'}: ${text(c.name, '?')}${typeof c.detail === 'string' ? ` — ${c.detail}` : ''}`,
      );
    if (typeof s.error === 'string') lines.push(`      error: ${s.error}`);
  }
  return `${lines.join('\n')}\n`;
}
