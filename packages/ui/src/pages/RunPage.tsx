import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { useResource } from '../lib/hooks';
import type { RunView, TaskView } from '../lib/types';
import { DagView } from '../components/DagView';
import { LogTail } from '../components/LogTail';
import { duration, ErrorBox, Loading, Status, Triage } from '../components/common';

const UNSUCCESSFUL = ['failed', 'canceled', 'submit-failed'];

export function RunPage({ id }: { id: number }) {
  const sameRun = (e: { run_id: number | null }) => e.run_id === id;
  const run = useResource(() => api<RunView>('GET', `/workflow-runs/${id}`), [id], sameRun);
  const tasks = useResource(() => api<TaskView[]>('GET', `/tasks?run_id=${id}&limit=10000`), [id], sameRun);
  const [picked, setPicked] = useState<number | null>(null);
  const list = tasks.data ?? [];
  const failedTasks = list.filter((t) => UNSUCCESSFUL.includes(t.status));
  const selected = list.find((t) => t.id === picked) ?? failedTasks[0] ?? list[0] ?? null;

  return (
    <div>
      <h2>
        Run {id} {run.data && <Status value={run.data.status} />}
      </h2>
      <ErrorBox error={run.error} />
      <Loading when={run.loading} />
      {run.data && (
        <p className="muted">
          template {run.data.workflow_template_id ?? '—'} · {run.data.task_ids.length} tasks · duration{' '}
          {duration(run.data.started_at, run.data.finished_at)} · success rate {run.data.success_rate}%
        </p>
      )}
      {run.data && <Triage hints={run.data.failure_triage_hints} actions={run.data.suggested_next_actions} />}
      {run.data && <RunControls run={run.data} failed={failedTasks} />}
      <ErrorBox error={tasks.error} />
      {list.length > 0 && (
        <>
          <h3>Steps</h3>
          <div className="dag-wrap">
            <DagView
              label="Run DAG"
              nodes={list.map((t) => ({
                id: t.id,
                deps: t.depends_on,
                label: `${t.step_id ?? t.title} (task ${t.id})`,
                status: t.status,
                note: t.approval_status === 'pending' ? 'awaiting approval' : undefined,
              }))}
              selected={selected?.id ?? null}
              onSelect={setPicked}
            />
          </div>
          <table aria-label="Tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Step</th>
                <th>Status</th>
                <th>Attempt</th>
                <th>Runner</th>
                <th>Duration</th>
                <th>Approval</th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id} data-task={t.id} className={selected?.id === t.id ? 'selected' : ''}>
                  <td>
                    <button type="button" className="link" onClick={() => setPicked(t.id)}>
                      Task {t.id}
                    </button>
                  </td>
                  <td>{t.step_id ?? t.title}</td>
                  <td>
                    <Status value={t.status} />
                  </td>
                  <td>{t.attempt}</td>
                  <td>{t.runner_id ?? '—'}</td>
                  <td>{duration(t.started_at, t.finished_at)}</td>
                  <td>{t.approval_status ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {selected && (
        <section className="task-detail" aria-label={`Task ${selected.id}`}>
          <h3>
            Task {selected.id}: {selected.step_id ?? selected.title} <Status value={selected.status} />
          </h3>
          {selected.message && <p className="muted">{selected.message}</p>}
          {selected.failure_category && (
            <p>
              Failure: <code>{selected.failure_category}</code>
              {selected.failure_step ? ` at ${selected.failure_step}` : ''}
            </p>
          )}
          <Triage hints={selected.failure_triage_hints} actions={selected.suggested_next_actions} />
          <LogTail
            key={`${selected.id}-${selected.attempt}`}
            taskId={selected.id}
            attempt={selected.attempt}
          />
        </section>
      )}
    </div>
  );
}

/** Pause, resume, abort, partial re-run of the failed tasks; each with the operator's reason. */
function RunControls({ run, failed }: { run: RunView; failed: TaskView[] }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = async (label: string, path: string, body: unknown) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await api('POST', path, body);
      setDone(`${label}: done`);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally {
      setBusy(false);
    }
  };
  const op = (name: 'pause' | 'resume' | 'abort') => () =>
    act(name, `/workflow-runs/${run.id}/${name}`, { actor: 'panel', ...(reason ? { reason } : {}) });
  const ended = ['success', 'failed', 'aborted'].includes(run.status);
  return (
    <fieldset className="controls">
      <legend>Run actions</legend>
      <label>
        Reason <input value={reason} onChange={(e) => setReason(e.target.value)} name="reason" size={40} />
      </label>{' '}
      <button type="button" disabled={busy || ended || run.status === 'paused'} onClick={op('pause')}>
        Pause
      </button>{' '}
      <button type="button" disabled={busy || run.status !== 'paused'} onClick={op('resume')}>
        Resume
      </button>{' '}
      <button type="button" disabled={busy || ended} onClick={op('abort')}>
        Abort
      </button>{' '}
      <button
        type="button"
        // The API refuses a partial re-run of an aborted or paused run (409 RUN_STATE_CONFLICT).
        disabled={busy || failed.length === 0 || run.status === 'aborted' || run.status === 'paused'}
        onClick={() =>
          act('partial re-run', `/workflow-runs/${run.id}/partial-rerun`, {
            task_ids: failed.map((t) => t.id),
            requested_by: 'panel',
            reason,
          })
        }
      >
        Re-run failed ({failed.length})
      </button>
      <ErrorBox error={error} />
      {done && (
        <span className="ok" role="status">
          {done}
        </span>
      )}
    </fieldset>
  );
}
