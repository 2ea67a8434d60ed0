import type { Resource } from '../../lib/hooks';
import type { TaskAuditView } from '../../lib/types';
import { duration, Empty, ErrorBox, Loading, Status } from '../common';
import { tokens, usd } from './format';

/**
 * Every attempt of one task (from `GET /tasks/{id}/audit`, fetched by the task detail), oldest first.
 * With `shown` set (several attempts, or an isolated-worktree task), each row has a radio button that
 * picks the attempt whose agent session, files changed, diff and log are shown.
 */
export function Attempts({
  taskId,
  audit,
  current,
  shown,
  onShow,
  reported,
}: {
  taskId: number;
  audit: Resource<TaskAuditView>;
  current: number;
  shown: number | null;
  onShow: (attempt: number) => void;
  /**
   * For an isolated-worktree task, whether an attempt reported a worktree (else its pick shows a note
   * instead of files and diff); null for other tasks.
   */
  reported: ((attempt: number) => boolean) | null;
}) {
  const list = audit.data?.attempts ?? [];
  const picking = shown !== null;
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
              {picking && <th>Shown</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr
                key={a.attempt}
                data-attempt={a.attempt}
                className={shown === a.attempt ? 'picked' : undefined}
              >
                <td>
                  {a.attempt}
                  {a.attempt === current ? ' (current)' : ''}
                </td>
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
                {picking && (
                  <td>
                    <label>
                      <input
                        type="radio"
                        name={`attempt-shown-${taskId}`}
                        checked={shown === a.attempt}
                        onChange={() => onShow(a.attempt)}
                        aria-label={`Show attempt ${a.attempt}`}
                      />
                      {reported && (reported(a.attempt) ? ' files & diff' : ' no files reported')}
                    </label>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
