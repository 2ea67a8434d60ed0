import type { QualityGateCheckPolicy } from '@multyagents/contracts';
import type { DraftStep, Issue } from '../../lib/workflowDraft';
import { QUALITY_GATE_CHECKS, RETRY_ON_CATEGORIES } from '../../lib/workflowFile';
import { IssueAlerts } from './IssueAlerts';

export interface RoleOption {
  name: string;
  /** Shown after the name: a declared role that saving creates, or a name nothing answers to. */
  note?: string;
}

/** Fields of a step the card has no input for; raw mode edits them and the form keeps them. */
const RAW_ONLY = ['required_artifacts', 'executor_params'] as const satisfies ReadonlyArray<keyof DraftStep>;

const intOrUndefined = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v));

type Gate = Partial<QualityGateCheckPolicy>;

/**
 * One step of the builder: id, title, role, approval, description (what the agent is asked beyond the
 * title), timeout, time to start, retry override, quality gates, deps.
 */
export function StepCard(props: {
  index: number;
  step: DraftStep;
  others: string[];
  roles: RoleOption[];
  issues: Issue[];
  onChange: (patch: Partial<DraftStep>) => void;
  onRename: (id: string) => void;
  onRemove: () => void;
}) {
  const { index: i, step: s, onChange } = props;
  const n = i + 1;
  const retry = s.retry_policy;
  // Without a policy the API gives a task one required task-status blocker.
  const gates: Gate[] = s.quality_gate_policy?.required_checks ?? [
    { check: 'task-status', required: true, severity: 'blocker' },
  ];
  const setGates = (next: Gate[]) =>
    onChange({ quality_gate_policy: { ...s.quality_gate_policy, required_checks: next } });
  const roleOptions =
    s.role && !props.roles.some((r) => r.name === s.role)
      ? [...props.roles, { name: s.role, note: 'unknown' }]
      : props.roles;
  const rawOnly = RAW_ONLY.filter((k) => s[k] !== undefined);
  return (
    <fieldset className="card step-card" aria-label={`Step ${n}`}>
      <legend>Step {n}</legend>
      <label>
        Step id <input value={s.id} onChange={(e) => props.onRename(e.target.value)} />
      </label>{' '}
      <label>
        Title <input value={s.title} onChange={(e) => onChange({ title: e.target.value })} />
      </label>{' '}
      <label>
        Role{' '}
        <select value={s.role} onChange={(e) => onChange({ role: e.target.value })}>
          <option value="">choose…</option>
          {roleOptions.map((r) => (
            <option key={r.name} value={r.name}>
              {r.note ? `${r.name} (${r.note})` : r.name}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        <input
          type="checkbox"
          checked={s.requires_approval === true}
          onChange={(e) => onChange({ requires_approval: e.target.checked ? true : undefined })}
        />{' '}
        Requires approval
      </label>
      <label className="block">
        Description{' '}
        <textarea
          rows={3}
          value={s.description ?? ''}
          placeholder="what the agent should do, beyond the title (optional)"
          onChange={(e) => onChange({ description: e.target.value === '' ? undefined : e.target.value })}
        />
      </label>
      <div>
        <label>
          Timeout (seconds){' '}
          <input
            type="number"
            min={1}
            max={604800}
            value={s.timeout_seconds ?? ''}
            placeholder="role's"
            onChange={(e) => onChange({ timeout_seconds: intOrUndefined(e.target.value) })}
          />
        </label>{' '}
        <label>
          Time to start (seconds){' '}
          <input
            type="number"
            min={1}
            max={86400}
            value={s.time_to_start_seconds ?? ''}
            placeholder="none"
            title="Fail the task when no runner has started it this long after it became ready"
            onChange={(e) => onChange({ time_to_start_seconds: intOrUndefined(e.target.value) })}
          />
        </label>{' '}
        <label>
          <input
            type="checkbox"
            checked={retry !== undefined}
            title="This step's own retry policy instead of its role's"
            onChange={(e) =>
              onChange({
                retry_policy: e.target.checked ? { max_retries: 1, retry_on: ['network'] } : undefined,
              })
            }
          />{' '}
          Retry override
        </label>{' '}
        {retry !== undefined && (
          <>
            <label>
              Max retries{' '}
              <input
                type="number"
                min={0}
                max={10}
                value={retry.max_retries ?? 0}
                onChange={(e) =>
                  onChange({ retry_policy: { ...retry, max_retries: Number(e.target.value) } })
                }
              />
            </label>
            <span role="group" aria-label={`Step ${n} retries on`}>
              {' '}
              on:{' '}
              {RETRY_ON_CATEGORIES.map((c) => (
                <label key={c} className="dep">
                  <input
                    type="checkbox"
                    checked={(retry.retry_on ?? []).includes(c)}
                    onChange={(e) =>
                      onChange({
                        retry_policy: {
                          ...retry,
                          retry_on: e.target.checked
                            ? [...(retry.retry_on ?? []), c]
                            : (retry.retry_on ?? []).filter((x) => x !== c),
                        },
                      })
                    }
                  />{' '}
                  {c}
                </label>
              ))}
            </span>
          </>
        )}
      </div>
      <div role="group" aria-label={`Step ${n} quality gates`}>
        Quality gates{s.quality_gate_policy ? '' : ' (default)'}:{' '}
        {QUALITY_GATE_CHECKS.map((c) => {
          const gate = gates.find((g) => (g.check ?? 'task-status') === c);
          return (
            <span key={c} className="dep">
              <label>
                <input
                  type="checkbox"
                  checked={gate !== undefined}
                  onChange={(e) =>
                    setGates(
                      e.target.checked
                        ? [...gates, { check: c, required: true, severity: 'blocker' }]
                        : gates.filter((g) => (g.check ?? 'task-status') !== c),
                    )
                  }
                />{' '}
                {c}
              </label>
              {gate && (
                <select
                  aria-label={`Step ${n} ${c} severity`}
                  value={gate.severity ?? 'blocker'}
                  onChange={(e) =>
                    setGates(
                      gates.map((g) =>
                        g === gate ? { ...g, severity: e.target.value as 'blocker' | 'warn' } : g,
                      ),
                    )
                  }
                >
                  <option value="blocker">blocker</option>
                  <option value="warn">warn</option>
                </select>
              )}
            </span>
          );
        })}
      </div>
      <div role="group" aria-label={`Step ${n} depends on`}>
        Depends on: {props.others.length === 0 && <span className="muted">no other step</span>}
        {props.others.map((o, k) => (
          <label key={k} className="dep">
            <input
              type="checkbox"
              checked={s.depends_on.includes(o)}
              onChange={(e) =>
                onChange({
                  depends_on: e.target.checked ? [...s.depends_on, o] : s.depends_on.filter((x) => x !== o),
                })
              }
            />{' '}
            {o}
          </label>
        ))}
      </div>
      {rawOnly.length > 0 && (
        <p className="muted">
          Also set (edit in JSON/YAML):{' '}
          {rawOnly.map((k) => (
            <code key={k}>{k} </code>
          ))}
        </p>
      )}
      <button type="button" onClick={props.onRemove}>
        Remove step {n}
      </button>
      <IssueAlerts issues={props.issues} />
    </fieldset>
  );
}
