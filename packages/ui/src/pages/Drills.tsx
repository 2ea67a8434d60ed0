import { api } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { DrillEvidenceView } from '../lib/types';
import { Empty, ErrorBox, Loading, Status } from '../components/common';
import { DrillReport } from '../components/DrillReport';

// Drill reports are files written by `multyagents chaos`; the API announces each new one on the event
// stream (`drill.report_written`), so the list is live. A written report never changes: its page reads once.
const never = () => false;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function Drills() {
  const list = useResource(() => api<DrillEvidenceView[]>('GET', '/drills'), [], isType('drill.'));
  const rows = list.data ?? [];
  return (
    <div>
      <h2>Drills</h2>
      <p className="muted">
        The evidence of past chaos runs, newest first; a new report shows up here by itself.
      </p>
      <ErrorBox error={list.error} />
      <Loading when={list.loading} />
      <Empty when={!list.loading && !list.error && rows.length === 0}>
        No drill evidence yet. <code>multyagents chaos</code> runs the drills and writes a report under the
        chaos evidence dir (<code>MULTYAGENTS_CHAOS_DIR</code>, default <code>&lt;data dir&gt;/chaos</code>),
        which this page lists.
      </Empty>
      {rows.length > 0 && (
        <table aria-label="Drill runs">
          <thead>
            <tr>
              <th>Evidence</th>
              <th>Started</th>
              <th>Seed</th>
              <th>Verdict</th>
              <th>Drills</th>
              <th>Passed / failed / inconclusive</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-evidence={d.id}>
                <td>
                  <a href={`#/drills/${encodeURIComponent(d.id)}`}>{d.id}</a>
                </td>
                <td>{when(d.started_at)}</td>
                <td>{d.seed ?? '—'}</td>
                <td>
                  <span className={`status verdict-${d.verdict}`}>{d.verdict}</span>
                  {d.error && (
                    <div className="error" role="note">
                      unreadable: {d.error}
                    </div>
                  )}
                </td>
                <td>
                  {d.drills.map((x) => (
                    <span
                      key={x.id}
                      className="tag"
                      title={x.failed_checks?.join(', ') || x.error || undefined}
                    >
                      {x.id} <Status value={x.status} />
                    </span>
                  ))}
                  {d.drills.length === 0 && '—'}
                </td>
                <td>
                  {d.passed} / {d.failed} / {d.inconclusive} <span className="muted">of {d.total}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function DrillPage({ id }: { id: string }) {
  const report = useResource(() => api<unknown>('GET', `/drills/${encodeURIComponent(id)}`), [id], never);
  return (
    <div>
      <p>
        <a href="#/drills">← all drills</a>
      </p>
      <h2>
        Drill report <code>{id}</code>
      </h2>
      <ErrorBox error={report.error} />
      <Loading when={report.loading} />
      {report.data !== null && !report.loading && <DrillReport report={report.data} />}
    </div>
  );
}
