/**
 * One chaos report (`report.json` of `multyagents chaos`, as `GET /drills/{id}` answers it), drawn from
 * what it holds: the known keys (summary, each drill's verdict, fault, checks, timings) get their own
 * places, everything else is listed generically, so a report with new fields still reads.
 */
import { Status } from './common';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
const text = (v: unknown): string =>
  v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v);

/** Any JSON value as nested definition lists (depth-bounded; deeper values as JSON text). */
export function KeyValues({ value, depth = 0 }: { value: unknown; depth?: number }) {
  const o = asObj(value);
  if (!o) {
    if (Array.isArray(value) && value.every((v) => asObj(v) === null))
      return <>{value.map(text).join(', ') || '—'}</>;
    if (Array.isArray(value) && depth < 3)
      return (
        <ol className="kv-list">
          {value.map((v, i) => (
            <li key={i}>
              <KeyValues value={v} depth={depth + 1} />
            </li>
          ))}
        </ol>
      );
    return <>{text(value)}</>;
  }
  if (depth >= 3) return <code>{JSON.stringify(o)}</code>;
  return (
    <dl className="kv">
      {Object.entries(o).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <KeyValues value={v} depth={depth + 1} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

const ms = (v: unknown) => (typeof v === 'number' ? `${v} ms` : '—');

function Scenario({ s }: { s: Obj }) {
  const id = text(s.scenario ?? s.id);
  const fault = asObj(s.fault);
  const timings = asObj(s.timings) ?? {};
  const budgets = asObj(s.budgets) ?? {};
  const checks = Array.isArray(s.checks) ? s.checks.map(asObj).filter((c): c is Obj => c !== null) : [];
  const known = new Set([
    'scenario',
    'id',
    'name',
    'status',
    'fault',
    'checks',
    'timings',
    'budgets',
    'error',
    'evidence',
  ]);
  const rest = Object.fromEntries(Object.entries(s).filter(([k]) => !known.has(k)));
  return (
    <section className="card drill" aria-label={`Drill ${id}`} data-drill={id}>
      <h3>
        {id} <Status value={typeof s.status === 'string' ? s.status : null} />{' '}
        {typeof s.name === 'string' && <span className="muted">{s.name}</span>}
      </h3>
      {typeof s.error === 'string' && s.error && (
        <p className="error">
          <code>error</code> {s.error}
        </p>
      )}
      {fault && (
        <p>
          <strong>Fault:</strong> {text(fault.what)} — {fault.fired === true ? 'fired' : 'did not fire'},{' '}
          {fault.healed === true ? 'healed' : 'not healed'}
          {Array.isArray(fault.notes) && fault.notes.length > 0 && (
            <span className="muted"> ({fault.notes.map(text).join('; ')})</span>
          )}
        </p>
      )}
      <p>
        <strong>Timings:</strong> detection {ms(timings.detection_ms)}
        {typeof budgets.detection_ms === 'number' && ` (budget ${ms(budgets.detection_ms)})`}, recovery{' '}
        {ms(timings.recovery_ms)}
        {typeof budgets.recovery_ms === 'number' && ` (budget ${ms(budgets.recovery_ms)})`}, wall{' '}
        {ms(timings.wall_ms)}
      </p>
      {checks.length > 0 && (
        <table aria-label={`Checks of ${id}`}>
          <thead>
            <tr>
              <th>Check</th>
              <th>Verdict</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((c, i) => (
              <tr key={i} data-check={text(c.name)}>
                <td>{text(c.name)}</td>
                <td>
                  <Status
                    value={c.inconclusive === true ? 'inconclusive' : c.valid === true ? 'holds' : 'violated'}
                  />
                </td>
                <td>{text(c.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {typeof s.evidence === 'string' && (
        <p className="muted">
          evidence: <code>{s.evidence}</code>
        </p>
      )}
      {Object.keys(rest).length > 0 && (
        <details>
          <summary>Details, schedule and seed</summary>
          <KeyValues value={rest} />
        </details>
      )}
    </section>
  );
}

export function DrillReport({ report }: { report: unknown }) {
  const r = asObj(report);
  const scenarios =
    r && Array.isArray(r.scenarios) ? r.scenarios.map(asObj).filter((s): s is Obj => s !== null) : null;
  if (!r || !scenarios) {
    return (
      <div>
        <p className="error" role="alert">
          This report is not in the chaos report shape (no <code>scenarios</code> list); its raw content:
        </p>
        <pre className="log">{JSON.stringify(report, null, 2)}</pre>
      </div>
    );
  }
  const summary = asObj(r.summary) ?? {};
  const overall = summary.overall_status === 'success' ? 'PASS' : 'FAIL';
  return (
    <div>
      <p data-testid="drill-summary">
        <span className={`status verdict-${overall}`}>{overall}</span> {text(summary.total)} drills:{' '}
        {text(summary.passed)} passed, {text(summary.failed)} failed, {text(summary.inconclusive)}{' '}
        inconclusive
      </p>
      {scenarios.map((s, i) => (
        <Scenario key={i} s={s} />
      ))}
      {r.config !== undefined && (
        <details>
          <summary>Configuration (seed, timeouts, versions, ports)</summary>
          <KeyValues value={r.config} />
        </details>
      )}
    </div>
  );
}
