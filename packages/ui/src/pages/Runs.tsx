import { useState } from 'react';
import { api } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { RunView } from '../lib/types';
import { duration, Empty, ErrorBox, Loading, Status } from '../components/common';

export function Runs() {
  const [status, setStatus] = useState('');
  const runs = useResource(
    () => api<RunView[]>('GET', `/workflow-runs?limit=200${status ? `&status=${status}` : ''}`),
    [status],
    isType('workflow_run.'),
  );
  return (
    <div>
      <h2>Runs</h2>
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">any</option>
          {['created', 'running', 'paused', 'success', 'failed', 'aborted'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <ErrorBox error={runs.error} />
      <Loading when={runs.loading} />
      <Empty when={!runs.loading && (runs.data ?? []).length === 0}>No runs yet.</Empty>
      {(runs.data ?? []).length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Template</th>
              <th>Tasks</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {(runs.data ?? []).map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <a href={`#/runs/${r.id}`}>Run {r.id}</a>
                </td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>{r.workflow_template_id ?? '—'}</td>
                <td>{r.task_ids.length}</td>
                <td>{r.started_at ? new Date(r.started_at).toLocaleString() : '—'}</td>
                <td>{duration(r.started_at, r.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
