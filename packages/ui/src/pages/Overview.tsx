import { api } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { RunnerView, RunView, TaskView } from '../lib/types';
import { Empty, ErrorBox, Loading, Status, Triage } from '../components/common';

const RUN_STATUSES = ['created', 'running', 'paused', 'success', 'failed', 'aborted'] as const;

/** What needs the operator now: failed runs with their triage, pending approvals, runners not online. */
export function Overview() {
  const runs = useResource(
    () => api<RunView[]>('GET', '/workflow-runs?limit=500'),
    [],
    isType('workflow_run.', 'task.'),
  );
  const pending = useResource(
    // A task waiting for its approval is `created`.
    () =>
      api<TaskView[]>('GET', '/tasks?status=created&limit=10000').then((ts) =>
        ts.filter((t) => t.approval_status === 'pending'),
      ),
    [],
    isType('approval.', 'task.'),
  );
  const runners = useResource(
    () => api<RunnerView[]>('GET', '/runners'),
    [],
    isType('runner.', 'task.runner_'),
  );
  const failed = (runs.data ?? []).filter((r) => r.status === 'failed');
  const down = (runners.data ?? []).filter((r) => r.liveness !== 'online');
  return (
    <div>
      <h2>Overview</h2>
      <section aria-label="Runs by status">
        <h3>Runs by status</h3>
        <ErrorBox error={runs.error} />
        <Loading when={runs.loading} />
        <ul className="counts">
          {RUN_STATUSES.map((s) => (
            <li key={s} data-testid={`count-${s}`}>
              <Status value={s} /> {(runs.data ?? []).filter((r) => r.status === s).length}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Needs attention">
        <h3>Needs attention</h3>
        <h4>Failed runs</h4>
        <Empty when={!runs.loading && failed.length === 0}>No failed runs.</Empty>
        <ul>
          {failed.slice(0, 20).map((r) => (
            <li key={r.id}>
              <a href={`#/runs/${r.id}`}>Run {r.id}</a> <Status value={r.status} />{' '}
              {r.failure_categories.join(', ')}
              <Triage hints={r.failure_triage_hints} actions={r.suggested_next_actions} />
            </li>
          ))}
        </ul>
        <h4>Pending approvals</h4>
        <ErrorBox error={pending.error} />
        <Empty when={!pending.loading && (pending.data ?? []).length === 0}>No approvals waiting.</Empty>
        <ul>
          {(pending.data ?? []).map((t) => (
            <li key={t.id}>
              <a href="#/approvals">
                Task {t.id} ({t.step_id ?? t.title})
              </a>{' '}
              of <a href={`#/runs/${t.run_id}`}>run {t.run_id}</a>
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
