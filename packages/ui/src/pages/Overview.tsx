import { useEffect } from 'react';
import { api, apiPage } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { RunCounts, RunnerView, RunView, StuckTaskView } from '../lib/types';

/** `GET /approvals` entries: the approval with its task's run, step and title. */
interface PendingApproval {
  id: number;
  task_id: number;
  run_id: number | null;
  step_id: string | null;
  task_title: string;
}
import { Empty, ErrorBox, Loading, Status, Triage } from '../components/common';

const RUN_STATUSES = ['created', 'running', 'paused', 'success', 'failed', 'aborted'] as const;
const FAILED_SHOWN = 20;
const APPROVALS_SHOWN = 100;
/** Stuck is a matter of time passing without events: the list is also refetched this often. */
export const STUCK_REFRESH_MS = 30_000;

export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * What needs the operator now: counts by status (one GROUP BY, never a list of every run), failed runs
 * with their triage, stuck tasks, pending approvals, runners not online.
 */
export function Overview() {
  const counts = useResource(
    () => api<RunCounts>('GET', '/workflow-runs/counts'),
    [],
    isType('workflow_run.'),
  );
  const failed = useResource(
    () => apiPage<RunView[]>(`/workflow-runs?status=failed&limit=${FAILED_SHOWN}`),
    [],
    isType('workflow_run.', 'task.'),
  );
  const stuck = useResource(
    () => api<StuckTaskView[]>('GET', '/tasks/stuck'),
    [],
    isType('task.', 'workflow_run.', 'runner.'),
  );
  // The approvals list joins each approval's task: no scan of every created task.
  const pending = useResource(
    () => api<PendingApproval[]>('GET', `/approvals?status=pending&limit=${APPROVALS_SHOWN}`),
    [],
    isType('approval.', 'task.'),
  );
  const runners = useResource(
    () => api<RunnerView[]>('GET', '/runners'),
    [],
    isType('runner.', 'task.runner_'),
  );
  const reloadStuck = stuck.reload;
  useEffect(() => {
    const timer = setInterval(reloadStuck, STUCK_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadStuck]);

  const failedRuns = failed.data?.data ?? [];
  const failedTotal = failed.data?.total ?? null;
  const stuckList = stuck.data ?? [];
  const down = (runners.data ?? []).filter((r) => r.liveness !== 'online');
  return (
    <div>
      <h2>Overview</h2>
      <section aria-label="Runs by status">
        <h3>Runs by status</h3>
        <ErrorBox error={counts.error} />
        <Loading when={counts.loading} />
        {counts.data && (
          <ul className="counts">
            <li data-testid="count-total">total {counts.data.total}</li>
            {RUN_STATUSES.map((s) => (
              <li key={s} data-testid={`count-${s}`}>
                <a href={`#/runs?status=${s}`}>
                  <Status value={s} />
                </a>{' '}
                {counts.data!.by_status[s] ?? 0}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="Needs attention">
        <h3>Needs attention</h3>
        <h4>
          Failed runs
          {failedTotal !== null && failedTotal > failedRuns.length && (
            <>
              {' '}
              (newest {failedRuns.length} of {failedTotal}, <a href="#/runs?status=failed">all</a>)
            </>
          )}
        </h4>
        <ErrorBox error={failed.error} />
        <Empty when={!failed.loading && !failed.error && failedRuns.length === 0}>No failed runs.</Empty>
        <ul>
          {failedRuns.map((r) => (
            <li key={r.id}>
              <a href={`#/runs/${r.id}`}>Run {r.id}</a> <Status value={r.status} />{' '}
              {r.failure_categories.join(', ')}
              <Triage hints={r.failure_triage_hints} actions={r.suggested_next_actions} />
            </li>
          ))}
        </ul>
        <h4>Stuck tasks</h4>
        <ErrorBox error={stuck.error} />
        <Empty when={!stuck.loading && !stuck.error && stuckList.length === 0}>No stuck tasks.</Empty>
        {stuckList.length > 0 && (
          <table aria-label="Stuck tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Run</th>
                <th>Reason</th>
                <th>For</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {stuckList.map((s) => (
                <tr key={s.task.id} data-stuck={s.task.id}>
                  <td>
                    Task {s.task.id} ({s.task.step_id ?? s.task.title}) <Status value={s.task.status} />
                  </td>
                  <td>
                    {s.task.run_id === null ? (
                      'standalone'
                    ) : (
                      <a href={`#/runs/${s.task.run_id}`}>Run {s.task.run_id}</a>
                    )}
                  </td>
                  <td>
                    <code>{s.reason}</code>
                  </td>
                  <td title={`since ${s.since}`}>{age(s.age_ms)}</td>
                  <td>{s.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h4>Pending approvals</h4>
        <ErrorBox error={pending.error} />
        <Empty when={!pending.loading && (pending.data ?? []).length === 0}>No approvals waiting.</Empty>
        <ul>
          {(pending.data ?? []).map((a) => (
            <li key={a.id}>
              <a href="#/approvals">
                Task {a.task_id} ({a.step_id ?? a.task_title})
              </a>
              {a.run_id !== null && (
                <>
                  {' '}
                  of <a href={`#/runs/${a.run_id}`}>run {a.run_id}</a>
                </>
              )}
            </li>
          ))}
        </ul>
        <h4>Runners not online</h4>
        <ErrorBox error={runners.error} />
        <Empty when={!runners.loading && down.length === 0}>Every runner is online.</Empty>
        <ul>
          {down.map((r) => (
            <li key={r.id}>
              <a href="#/runners">{r.name}</a> <Status value={r.liveness} />{' '}
              {r.unreachable_since ? `since ${new Date(r.unreachable_since).toLocaleTimeString()}` : ''}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
