import { api } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { ACTIVE_TASK, type RunnerView, type TaskView } from '../lib/types';
import { Empty, ErrorBox, Loading, Status } from '../components/common';
import { LastSeen, useNow } from '../components/LastSeen';

export function Runners() {
  const runners = useResource(
    () => api<RunnerView[]>('GET', '/runners'),
    [],
    isType('runner.', 'task.dispatched', 'task.runner_', 'task.canceled'),
  );
  // Held attempts: the active tasks each runner holds (the API lists tasks, not attempts by runner).
  const held = useResource(
    async () =>
      (await api<TaskView[]>('GET', '/tasks?limit=5000')).filter((t) => ACTIVE_TASK.includes(t.status)),
    [],
    isType('task.'),
  );
  const list = runners.data ?? [];
  // One local 1 s clock for the "seen … ago" column; it re-renders, it does not fetch.
  const now = useNow(list.some((r) => r.last_seen_at !== null));
  return (
    <div>
      <h2>Runners</h2>
      <ErrorBox error={runners.error} />
      <ErrorBox error={held.error} />
      <Loading when={runners.loading} />
      <Empty when={!runners.loading && list.length === 0}>
        No runner registered. Start one: <code>./scripts/multyagents runner</code>
      </Empty>
      {list.length > 0 && (
        <table aria-label="Runners">
          <thead>
            <tr>
              <th>Runner</th>
              <th>Liveness</th>
              <th>Capacity</th>
              <th>Held attempts</th>
              <th>Labels</th>
              <th>Executor</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => {
              const tasks = (held.data ?? []).filter((t) => t.runner_id === r.id);
              return (
                <tr key={r.id} data-runner={r.id}>
                  <td>
                    {r.name}
                    <div className="muted">{r.url}</div>
                  </td>
                  <td>
                    <Status value={r.liveness} />
                    {r.draining ? ' draining' : ''}
                  </td>
                  <td>
                    {r.active_attempts}/{r.capacity}
                  </td>
                  <td>
                    {tasks.length === 0
                      ? '—'
                      : tasks.map((t) => (
                          <a key={t.id} href={`#/runs/${t.run_id}`}>
                            task {t.id} (attempt {t.attempt}){' '}
                          </a>
                        ))}
                  </td>
                  <td>{r.labels.join(', ') || '—'}</td>
                  <td>{r.executor}</td>
                  <td>
                    <LastSeen at={r.last_seen_at} now={now} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
