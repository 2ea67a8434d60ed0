import { useState } from 'react';
import { api, ApiError } from '../../lib/api';
import type { PartialRerunAnswer, RunView, TaskView } from '../../lib/types';
import { ErrorBox, Status } from '../common';

const label = (t: TaskView) => `${t.step_id ?? t.title} (task ${t.id})`;

/**
 * Pause, resume, abort, and a partial re-run of the unsuccessful steps the operator ticks (all by
 * default); every action carries the operator's reason.
 */
export function RunControls({ run, unsuccessful }: { run: RunView; unsuccessful: TaskView[] }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // Unticked rather than ticked: a step that fails after the page opened starts ticked.
  const [unticked, setUnticked] = useState<ReadonlySet<number>>(new Set());
  const chosen = unsuccessful.filter((t) => !unticked.has(t.id));

  const act = async (path: string, body: unknown, say: (answer: unknown) => string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(say(await api('POST', path, body)));
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const op = (name: 'pause' | 'resume' | 'abort') => () =>
    act(
      `/workflow-runs/${run.id}/${name}`,
      { actor: 'panel', ...(reason ? { reason } : {}) },
      () => `${name}: done`,
    );
  const rerun = async () => {
    const stepIds = chosen.flatMap((t) => (t.step_id ? [t.step_id] : []));
    const taskIds = chosen.flatMap((t) => (t.step_id ? [] : [t.id]));
    const ok = await act(
      `/workflow-runs/${run.id}/partial-rerun`,
      {
        ...(stepIds.length ? { step_ids: stepIds } : {}),
        ...(taskIds.length ? { task_ids: taskIds } : {}),
        requested_by: 'panel',
        reason,
      },
      (answer) => {
        const a = answer as PartialRerunAnswer;
        return `partial re-run: reset ${a.reset_task_ids.length === 1 ? 'task' : 'tasks'} ${a.reset_task_ids.join(', ')}`;
      },
    );
    if (ok) setUnticked(new Set());
  };
  const toggle = (id: number, on: boolean) =>
    setUnticked((s) => {
      const next = new Set(s);
      if (on) next.delete(id);
      else next.add(id);
      return next;
    });

  const ended = ['success', 'failed', 'aborted'].includes(run.status);
  // The API refuses a partial re-run of an aborted or paused run (409 RUN_STATE_CONFLICT).
  const rerunBlocked = run.status === 'aborted' || run.status === 'paused';
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
      </button>
      <fieldset className="rerun" aria-label="Steps to re-run">
        <legend>Partial re-run</legend>
        {unsuccessful.length === 0 ? (
          <p className="muted">No failed or canceled step to re-run.</p>
        ) : (
          <ul className="choices">
            {unsuccessful.map((t) => (
              <li key={t.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={!unticked.has(t.id)}
                    onChange={(e) => toggle(t.id, e.target.checked)}
                  />{' '}
                  {label(t)}
                </label>{' '}
                <Status value={t.status} />
                {t.failure_step === 'run-failed' && (
                  <span className="muted"> canceled by the run's fail-fast: reset with any re-run</span>
                )}
              </li>
            ))}
          </ul>
        )}
        <button
          type="button"
          disabled={busy || chosen.length === 0 || rerunBlocked}
          onClick={() => void rerun()}
        >
          Re-run selected ({chosen.length})
        </button>
        {rerunBlocked && unsuccessful.length > 0 && (
          <span className="muted"> not while the run is {run.status}</span>
        )}
      </fieldset>
      <ErrorBox error={error} />
      {done && (
        <span className="ok" role="status">
          {done}
        </span>
      )}
    </fieldset>
  );
}
