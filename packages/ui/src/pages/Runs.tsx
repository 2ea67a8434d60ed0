import { useEffect, useState, type FormEvent } from 'react';
import { api, apiPage } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { RunView, TemplateSummary } from '../lib/types';
import { duration, Empty, ErrorBox, Loading, Status } from '../components/common';
import { Pager, pagerText } from '../components/Pager';

export const PAGE_SIZE = 50;
const RUN_STATUSES = ['created', 'running', 'paused', 'success', 'failed', 'aborted'];
/** The filters and the page cursor, kept in the hash query (`#/runs?status=failed&before_id=120`). */
const KEYS = ['status', 'workflow_template_id', 'initiated_by', 'before_id'] as const;
type Key = (typeof KEYS)[number];
type Query = Partial<Record<Key, string>>;

function readQuery(): Query {
  const raw = window.location.hash.split('?')[1] ?? '';
  const p = new URLSearchParams(raw);
  const q: Query = {};
  for (const k of KEYS) {
    const v = p.get(k);
    if (v) q[k] = v;
  }
  return q;
}

export function runsHref(q: Query): string {
  const p = new URLSearchParams();
  for (const k of KEYS) if (q[k]) p.set(k, q[k]!);
  const s = p.toString();
  return s ? `#/runs?${s}` : '#/runs';
}

function useRunsQuery(): Query {
  const [q, setQ] = useState(readQuery);
  useEffect(() => {
    const on = () => setQ(readQuery());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return q;
}

/** Newest first, 50 a page by the API's keyset cursor; a new run shows up on the first page live. */
export function Runs() {
  const q = useRunsQuery();
  const apiQuery = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const k of KEYS) if (q[k]) apiQuery.set(k, q[k]!);
  const key = apiQuery.toString();
  const page = useResource(() => apiPage<RunView[]>(`/workflow-runs?${key}`), [key], isType('workflow_run.'));
  const templates = useResource(
    () => api<TemplateSummary[]>('GET', '/workflow-templates'),
    [],
    () => false,
  );
  const names = new Map((templates.data ?? []).map((t) => [t.id, t.name]));
  const [by, setBy] = useState(q.initiated_by ?? '');
  useEffect(() => setBy(q.initiated_by ?? ''), [q.initiated_by]);
  // Any filter change starts again at the newest page.
  const go = (change: Query) => {
    window.location.hash = runsHref({ ...q, ...change, before_id: undefined });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({ initiated_by: by.trim() || undefined });
  };
  const runs = page.data?.data ?? [];
  const total = page.data?.total ?? null;
  const filtered = Boolean(q.status || q.workflow_template_id || q.initiated_by);

  return (
    <div>
      <h2>Runs</h2>
      <form className="filters" aria-label="Run filters" onSubmit={submit}>
        <label>
          Status{' '}
          <select value={q.status ?? ''} onChange={(e) => go({ status: e.target.value || undefined })}>
            <option value="">any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>{' '}
        <label>
          Workflow template{' '}
          <select
            value={q.workflow_template_id ?? ''}
            onChange={(e) => go({ workflow_template_id: e.target.value || undefined })}
          >
            <option value="">any</option>
            {(templates.data ?? []).map((t) => (
              <option key={t.id} value={String(t.id)}>
                {t.name} (#{t.id})
              </option>
            ))}
            {q.workflow_template_id && !names.has(Number(q.workflow_template_id)) && (
              <option value={q.workflow_template_id}>#{q.workflow_template_id}</option>
            )}
          </select>
        </label>{' '}
        <label>
          Initiated by{' '}
          <input value={by} onChange={(e) => setBy(e.target.value)} name="initiated_by" size={16} />
        </label>{' '}
        <button type="submit">Filter</button>{' '}
        {filtered && (
          <a href={runsHref({})} className="muted">
            Clear filters
          </a>
        )}
      </form>
      <ErrorBox error={templates.error} />
      <ErrorBox error={page.error} />
      <Loading when={page.loading} />
      <Empty when={!page.loading && !page.error && runs.length === 0}>
        {filtered ? 'No run matches these filters.' : q.before_id ? 'No older runs.' : 'No runs yet.'}
      </Empty>
      {runs.length > 0 && (
        <table aria-label="Runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Template</th>
              <th>Initiated by</th>
              <th>Tasks</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <a href={`#/runs/${r.id}`}>Run {r.id}</a>
                </td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>
                  {r.workflow_template_id === null
                    ? '—'
                    : (names.get(r.workflow_template_id) ?? `#${r.workflow_template_id}`)}
                </td>
                <td>{r.initiated_by ?? '—'}</td>
                <td>{r.task_ids.length}</td>
                <td>{r.started_at ? new Date(r.started_at).toLocaleString() : '—'}</td>
                <td>{duration(r.started_at, r.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        label="Pages of runs"
        testId="runs-total"
        text={
          total === null
            ? null
            : pagerText(['run', 'runs'], {
                total,
                offset: page.data?.offset ?? null,
                shown: runs.length,
                limit: PAGE_SIZE,
                filtered,
              })
        }
        beforeId={q.before_id ?? null}
        prevBeforeId={page.data?.prevBeforeId ?? null}
        nextBeforeId={page.data?.nextBeforeId ?? null}
        href={(before) => runsHref({ ...q, before_id: before ?? undefined })}
      />
    </div>
  );
}
