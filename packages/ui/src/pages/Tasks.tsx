import type { TaskStatus } from '@multyagents/contracts';
import { useEffect, useState, type FormEvent } from 'react';
import { api, apiPage } from '../lib/api';
import { hashWith, useHashQuery } from '../lib/hashQuery';
import { isType, useResource } from '../lib/hooks';
import type { RunnerView, TaskView } from '../lib/types';
import { duration, Empty, ErrorBox, Loading, Status } from '../components/common';
import { Pager, pagerText } from '../components/Pager';

export const TASK_PAGE_SIZE = 50;

/** contracts TASK_STATUSES (types only are imported; a missing status fails tsc below). */
const STATUSES: readonly TaskStatus[] = [
  'created',
  'dispatched',
  'queued',
  'running',
  'cancel-requested',
  'success',
  'failed',
  'canceled',
  'submit-failed',
];
type Missing = Exclude<TaskStatus, (typeof STATUSES)[number]>;
const allListed: [Missing] extends [never] ? true : false = true;
void allListed;

const FILTERS = ['status', 'run_id', 'runner_id', 'step_id'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** The API path of one page: the filters as given, `before_id` for an older page. */
export function tasksPath(f: Filters, beforeId: string | null, limit = TASK_PAGE_SIZE): string {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]);
  if (beforeId) q.set('before_id', beforeId);
  q.set('limit', String(limit));
  return `/tasks?${q.toString()}`;
}

const isId = (v: string) => /^[1-9][0-9]{0,14}$/.test(v);

/**
 * Every task, filtered and paged by the API (`before_id`; the pager reads `x-total-count`,
 * `x-page-offset` and both cursors). The filters and the page live in the hash query, so Back and a
 * shared link return to the same page.
 */
export function Tasks() {
  const query = useHashQuery();
  const applied: Filters = {
    status: query.get('status') ?? '',
    run_id: query.get('run_id') ?? '',
    runner_id: query.get('runner_id') ?? '',
    step_id: query.get('step_id') ?? '',
  };
  const beforeId = query.get('before_id');
  const key = tasksPath(applied, beforeId);
  const [draft, setDraft] = useState<Filters>(applied);
  const [invalid, setInvalid] = useState<string | null>(null);
  useEffect(() => setDraft(applied), [applied.status, applied.run_id, applied.runner_id, applied.step_id]);

  const page = useResource(() => apiPage<TaskView[]>(key), [key], isType('task.', 'approval.'));
  const runners = useResource(() => api<RunnerView[]>('GET', '/runners'), [], isType('runner.registered'));
  const runnerName = new Map((runners.data ?? []).map((r) => [r.id, r.name]));

  const go = (f: Filters, before: string | null) => {
    window.location.hash = hashWith('/tasks', { ...f, before_id: before });
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = {
      ...draft,
      step_id: draft.step_id.trim(),
      run_id: draft.run_id.trim(),
      runner_id: draft.runner_id.trim(),
    };
    const bad = (['run_id', 'runner_id'] as const).find((k) => f[k] && !isId(f[k]));
    setInvalid(bad ? `${bad === 'run_id' ? 'Run id' : 'Runner id'}: a positive whole number` : null);
    if (bad) return;
    go(f, null);
  };

  const rows = page.data?.data ?? [];
  const total = page.data?.total ?? null;
  return (
    <div>
      <h2>Tasks</h2>
      <form className="filters" aria-label="Task filters" onSubmit={apply}>
        <label>
          Status{' '}
          <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>{' '}
        {(
          [
            ['run_id', 'Run id', 'numeric'],
            ['runner_id', 'Runner id', 'numeric'],
            ['step_id', 'Step id', 'text'],
          ] as const
        ).map(([k, label, mode]) => (
          <label key={k}>
            {label}{' '}
            <input
              size={mode === 'numeric' ? 6 : 14}
              inputMode={mode}
              value={draft[k]}
              onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
            />{' '}
          </label>
        ))}
        <button type="submit">Apply filters</button>{' '}
        <button
          type="button"
          onClick={() => {
            setInvalid(null);
            go({ status: '', run_id: '', runner_id: '', step_id: '' }, null);
          }}
        >
          Clear
        </button>
        {invalid && (
          <p className="error" role="alert">
            {invalid}
          </p>
        )}
      </form>
      <ErrorBox error={page.error} />
      <Loading when={page.loading} />
      <Empty when={!page.loading && !page.error && rows.length === 0}>
        {FILTERS.some((k) => applied[k]) ? 'No task matches these filters.' : 'No tasks yet.'}
      </Empty>
      {rows.length > 0 && (
        <table aria-label="Tasks">
          <thead>
            <tr>
              <th>Task</th>
              <th>Run</th>
              <th>Step</th>
              <th>Status</th>
              <th>Attempt</th>
              <th>Runner</th>
              <th>Duration</th>
              <th>Failure</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-task={t.id}>
                <td>
                  {t.id} <span className="muted">{t.title}</span>
                </td>
                <td>
                  {t.run_id !== null ? <a href={`#/runs/${t.run_id}`}>Run {t.run_id}</a> : 'standalone'}
                </td>
                <td>{t.step_id ?? '—'}</td>
                <td>
                  <Status value={t.status} />
                </td>
                <td>{t.attempt}</td>
                <td>
                  {t.runner_id !== null
                    ? `${t.runner_id}${runnerName.has(t.runner_id) ? ` (${runnerName.get(t.runner_id)})` : ''}`
                    : '—'}
                </td>
                <td>{duration(t.started_at, t.finished_at)}</td>
                <td>
                  {t.failure_category ?? '—'}
                  {t.failure_step && <span className="muted"> at {t.failure_step}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        label="Task pages"
        testId="task-total"
        text={
          total === null
            ? null
            : pagerText(['task', 'tasks'], {
                total,
                offset: page.data?.offset ?? null,
                shown: rows.length,
                limit: TASK_PAGE_SIZE,
                filtered: FILTERS.some((k) => applied[k]),
              })
        }
        beforeId={beforeId}
        prevBeforeId={page.data?.prevBeforeId ?? null}
        nextBeforeId={page.data?.nextBeforeId ?? null}
        href={(before) => hashWith('/tasks', { ...applied, before_id: before })}
      />
    </div>
  );
}
