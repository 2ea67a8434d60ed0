import { useEffect } from 'react';
import { api } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { ACTIVE_TASK, type RunnerView, type TaskView } from '../lib/types';
import { Empty, ErrorBox, Loading, Status } from '../components/common';
import { LastSeen, useNow } from '../components/LastSeen';

/**
 * Heartbeats are not events (one per runner every few seconds would flood the stream), so while this
 * page is open it re-reads the runner list this often: `last_seen_at` stays true within it.
 */
export const RUNNERS_REREAD_MS = 5_000;

/** Lost: unreachable past the lost grace (the API says so; between reads, the local clock passes `lost_at`). */
export function isLost(r: RunnerView, now: number): boolean {
  if (r.lost) return true;
  return r.liveness === 'unreachable' && !!r.lost_at && now >= Date.parse(r.lost_at);
}

/** Held attempts: the active tasks each runner holds, one indexed read per active status. */
async function activeTasks(): Promise<TaskView[]> {
  const lists = await Promise.all(
    ACTIVE_TASK.map((s) => api<TaskView[]>('GET', `/tasks?status=${s}&limit=1000`)),
  );
  return lists.flat();
}

export function Runners() {
  const runners = useResource(
    () => api<RunnerView[]>('GET', '/runners'),
    [],
    isType('runner.', 'task.dispatched', 'task.runner_', 'task.canceled'),
  );
  const held = useResource(activeTasks, [], isType('task.'));
  const list = runners.data ?? [];
  const { reload } = runners;
  const any = list.length > 0;
  useEffect(() => {
    if (!any) return;
    const timer = setInterval(reload, RUNNERS_REREAD_MS);
    return () => clearInterval(timer);
  }, [any, reload]);
  // One local 1 s clock for the "seen … ago" column between reads; it re-renders, it does not fetch.
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
                    {isLost(r, now) ? (
                      <>
                        {' '}
                        <span
                          className="status status-failed"
                          title={`unreachable past the lost grace${r.lost_at ? ` (since ${new Date(r.lost_at).toLocaleString()})` : ''}: its attempts were failed over`}
                        >
                          lost
                        </span>
                      </>
                    ) : r.draining ? (
                      ' draining'
                    ) : (
                      ''
                    )}
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
                    <LastSeen at={r.last_seen_at} now={now} staleAfterMs={r.heartbeat_timeout_ms} />
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
