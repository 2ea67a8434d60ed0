import { api } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import type { TaskAuditView } from '../../lib/types';
import { duration, Empty, ErrorBox, Loading, Status } from '../common';
import { tokens, usd } from './format';

/** Every attempt of one task (from `GET /tasks/{id}/audit`), oldest first. */
export function Attempts({ taskId }: { taskId: number }) {
  const audit = useResource(
    () => api<TaskAuditView>('GET', `/tasks/${taskId}/audit`),
    [taskId],
    (e) => e.task_id === taskId,
  );
  const list = audit.data?.attempts ?? [];
  return (
    <section aria-label={`Attempts of task ${taskId}`}>
      <h4>Attempts</h4>
      <ErrorBox error={audit.error} />
      <Loading when={audit.loading} />
      <Empty when={!audit.loading && !audit.error && list.length === 0}>Not dispatched yet.</Empty>
      {list.length > 0 && (
        <table aria-label="Attempts">
          <thead>
            <tr>
              <th>Attempt</th>
              <th>Status</th>
              <th>Runner</th>
              <th>Dispatch → end</th>
              <th>Exit</th>
              <th>Failure</th>
              <th>Session</th>
              <th>Tokens in/out</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.attempt} data-attempt={a.attempt}>
                <td>{a.attempt}</td>
                <td>
                  <Status value={a.status} />
                </td>
                <td>{a.runner_id ?? '—'}</td>
                {/* The attempt row records its dispatch and its end; its own start is not always stored. */}
                <td>{duration(a.started_at ?? a.created_at, a.finished_at)}</td>
                <td>{a.exit_code ?? '—'}</td>
                <td>{a.failure_category ?? '—'}</td>
                <td>{a.session_id ? <code>{a.session_id}</code> : '—'}</td>
                <td>
                  {a.agent?.usage
                    ? `${tokens(a.agent.usage.input_tokens)} / ${tokens(a.agent.usage.output_tokens)}`
                    : '—'}
                </td>
                <td>{a.agent ? usd(a.agent.cost_usd) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
