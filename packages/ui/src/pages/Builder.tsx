import type { Role, WorkflowTemplate } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import {
  fromTemplateJson,
  toTemplateBody,
  validateDraft,
  type Draft,
  type DraftStep,
} from '../lib/workflowDraft';
import { DagView } from '../components/DagView';
import { ErrorBox } from '../components/common';

const emptyStep = (n: number, roleId: number | null): DraftStep => ({
  step_id: `step-${n}`,
  title: `Step ${n}`,
  role_id: roleId,
  depends_on: [],
  requires_approval: false,
});

/**
 * The workflow builder: step cards with a depends-on picker, inline validation (the API's DAG rules)
 * and a raw JSON mode holding the `POST /workflow-templates` body, both ways.
 */
export function Builder() {
  const roles = useResource(() => api<Role[]>('GET', '/roles'), [], isType('role.'));
  const firstRole = roles.data?.[0]?.id ?? null;
  const [draft, setDraft] = useState<Draft>({ name: '', steps: [] });
  const [raw, setRaw] = useState<string | null>(null);
  const [rawError, setRawError] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const issues = validateDraft(draft);
  const stepIssues = (i: number) => issues.filter((x) => x.step === i);

  const setStep = (i: number, patch: Partial<DraftStep>) =>
    setDraft((d) => ({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const rename = (i: number, id: string) =>
    setDraft((d) => {
      const old = d.steps[i]!.step_id;
      // Dependencies follow a renamed step.
      return {
        ...d,
        steps: d.steps.map((s, j) =>
          j === i
            ? { ...s, step_id: id }
            : { ...s, depends_on: s.depends_on.map((x) => (x === old ? id : x)) },
        ),
      };
    });

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const t = await api<WorkflowTemplate>('POST', '/workflow-templates', toTemplateBody(draft));
      window.location.hash = `#/workflows?created=${t.id}`;
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <h2>New workflow</h2>
      <p>
        <button
          type="button"
          onClick={() => {
            if (raw === null) {
              setRaw(JSON.stringify(toTemplateBody(draft), null, 2));
              setRawError(null);
            } else {
              const back = fromTemplateJson(raw);
              if (typeof back === 'string') setRawError(back);
              else {
                setDraft(back);
                setRaw(null);
              }
            }
          }}
        >
          {raw === null ? 'Edit as JSON' : 'Back to the form'}
        </button>
      </p>
      {raw !== null ? (
        <>
          <label className="block">
            Workflow JSON (the body of <code>POST /workflow-templates</code>)
            <textarea rows={20} cols={80} value={raw} onChange={(e) => setRaw(e.target.value)} name="raw" />
          </label>
          {rawError && (
            <p className="error" role="alert">
              {rawError}
            </p>
          )}
        </>
      ) : (
        <>
          <label>
            Workflow name{' '}
            <input
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              name="name"
            />
          </label>
          {(roles.data ?? []).length === 0 && !roles.loading && (
            <p className="muted">
              No roles yet: <a href="#/roles">create one</a> first.
            </p>
          )}
          {draft.steps.map((s, i) => (
            <fieldset key={i} className="card step-card" aria-label={`Step ${i + 1}`}>
              <legend>Step {i + 1}</legend>
              <label>
                Step id <input value={s.step_id} onChange={(e) => rename(i, e.target.value)} />
              </label>{' '}
              <label>
                Title <input value={s.title} onChange={(e) => setStep(i, { title: e.target.value })} />
              </label>{' '}
              <label>
                Role{' '}
                <select
                  value={s.role_id ?? ''}
                  onChange={(e) => setStep(i, { role_id: e.target.value ? Number(e.target.value) : null })}
                >
                  <option value="">choose…</option>
                  {(roles.data ?? []).map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </label>{' '}
              <label>
                <input
                  type="checkbox"
                  checked={s.requires_approval}
                  onChange={(e) => setStep(i, { requires_approval: e.target.checked })}
                />{' '}
                Requires approval
              </label>
              <div role="group" aria-label={`Step ${i + 1} depends on`}>
                Depends on:{' '}
                {draft.steps.filter((o) => o !== s).length === 0 && (
                  <span className="muted">no other step</span>
                )}
                {draft.steps
                  .filter((o) => o !== s)
                  .map((o, k) => (
                    <label key={k} className="dep">
                      <input
                        type="checkbox"
                        checked={s.depends_on.includes(o.step_id)}
                        onChange={(e) =>
                          setStep(i, {
                            depends_on: e.target.checked
                              ? [...s.depends_on, o.step_id]
                              : s.depends_on.filter((x) => x !== o.step_id),
                          })
                        }
                      />{' '}
                      {o.step_id}
                    </label>
                  ))}
              </div>
              <button
                type="button"
                onClick={() =>
                  setDraft((d) => ({
                    ...d,
                    steps: d.steps
                      .filter((_, j) => j !== i)
                      .map((o) => ({ ...o, depends_on: o.depends_on.filter((x) => x !== s.step_id) })),
                  }))
                }
              >
                Remove step {i + 1}
              </button>
              {stepIssues(i).map((x, k) => (
                <p key={k} className="error" role="alert">
                  <code>{x.code}</code> {x.message}
                </p>
              ))}
            </fieldset>
          ))}
          <p>
            <button
              type="button"
              onClick={() =>
                setDraft((d) => ({ ...d, steps: [...d.steps, emptyStep(d.steps.length + 1, firstRole)] }))
              }
            >
              Add step
            </button>
          </p>
        </>
      )}
      {issues
        .filter((x) => x.step === null)
        .map((x, k) => (
          <p key={k} className="error" role="alert">
            <code>{x.code}</code> {x.message}
          </p>
        ))}
      {draft.steps.length > 0 && (
        <div className="dag-wrap">
          <DagView
            label="Preview"
            nodes={draft.steps.map((s, i) => ({
              id: i + 1,
              deps: s.depends_on
                .map((d) => draft.steps.findIndex((o) => o.step_id === d) + 1)
                .filter((x) => x > 0),
              label: s.step_id || '(no id)',
              status: (roles.data ?? []).find((r) => r.id === s.role_id)?.name ?? 'no role',
              note: s.requires_approval ? 'approval' : undefined,
            }))}
          />
        </div>
      )}
      <ErrorBox error={error} />
      <p>
        <button
          type="button"
          disabled={busy || raw !== null || issues.length > 0}
          onClick={() => void create()}
        >
          Create workflow
        </button>
      </p>
    </div>
  );
}
