import { api } from '../../lib/api';
import { isType, useResource } from '../../lib/hooks';
import type { ArtifactView, EventRecord, HandoffView } from '../../lib/types';
import { Empty, ErrorBox, Loading } from '../common';

const stepOf = (names: Map<number, string>, taskId: number) => names.get(taskId) ?? `task ${taskId}`;

/** The run's handoffs (what each step passed on) and artifacts (what the steps produced). */
export function HandoffsAndArtifacts({
  runId,
  stepNames,
}: {
  runId: number;
  stepNames: Map<number, string>;
}) {
  const ofRun = (types: string[]) => (e: EventRecord) => e.run_id === runId && isType(...types)(e);
  // A handoff arrives with a terminal report; a partial re-run drops the reset tasks' handoffs.
  const handoffs = useResource(
    () => api<HandoffView[]>('GET', `/handoffs?run_id=${runId}`),
    [runId],
    ofRun(['handoff.', 'task.partial_rerun_reset', 'task.runner_status_updated']),
  );
  const artifacts = useResource(
    () => api<ArtifactView[]>('GET', `/artifacts?run_id=${runId}`),
    [runId],
    ofRun(['artifact.', 'task.runner_status_updated']),
  );
  const hs = handoffs.data ?? [];
  const as = artifacts.data ?? [];
  return (
    <>
      <section aria-label="Handoffs">
        <h3>Handoffs</h3>
        <ErrorBox error={handoffs.error} />
        <Loading when={handoffs.loading} />
        <Empty when={!handoffs.loading && !handoffs.error && hs.length === 0}>No handoffs yet.</Empty>
        {hs.map((h) => (
          <article key={h.id} className="card handoff" data-handoff={h.id}>
            <h4>
              {stepOf(stepNames, h.task_id)} (task {h.task_id}, attempt {h.attempt})
            </h4>
            <p className="summary">{h.summary}</p>
            {h.next_actions.length > 0 && (
              <>
                <h5>Next actions</h5>
                <ul>
                  {h.next_actions.map((a, i) => (
                    <li key={i}>{a}</li>
                  ))}
                </ul>
              </>
            )}
            {h.open_questions.length > 0 && (
              <>
                <h5>Open questions</h5>
                <ul>
                  {h.open_questions.map((q, i) => (
                    <li key={i}>{q}</li>
                  ))}
                </ul>
              </>
            )}
            {h.artifacts.length > 0 && (
              <p>
                Artifacts:{' '}
                {h.artifacts.map((a) => (
                  <span key={a.artifact_id} className="dep">
                    #{a.artifact_id}
                    {a.is_required ? ' (required)' : ''}
                    {a.note ? `: ${a.note}` : ''}
                  </span>
                ))}
              </p>
            )}
          </article>
        ))}
      </section>
      <section aria-label="Artifacts">
        <h3>Artifacts</h3>
        <ErrorBox error={artifacts.error} />
        <Loading when={artifacts.loading} />
        <Empty when={!artifacts.loading && !artifacts.error && as.length === 0}>No artifacts yet.</Empty>
        {as.length > 0 && (
          <table aria-label="Artifacts">
            <thead>
              <tr>
                <th>Artifact</th>
                <th>Type</th>
                <th>Location</th>
                <th>Summary</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {as.map((a) => (
                <tr key={a.id} data-artifact={a.id}>
                  <td>#{a.id}</td>
                  <td>{a.artifact_type}</td>
                  <td className="clip">
                    <code title={a.location}>{a.location}</code>
                  </td>
                  <td>{a.summary || '—'}</td>
                  <td>{stepOf(stepNames, a.producer_task_id)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
