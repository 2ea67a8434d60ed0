import type { Role, WorkflowTemplate } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { DagView } from '../components/DagView';
import { Empty, ErrorBox, Loading } from '../components/common';
import { DeleteConflict } from '../components/EditConflict';
import { useDeleteVersion } from '../lib/deleteVersion';

/** The workflow templates, each drawn as its DAG, with a button that starts a run. */
export function Workflows() {
  const tpls = useResource(
    () => api<WorkflowTemplate[]>('GET', '/workflow-templates'),
    [],
    isType('workflow_template.'),
  );
  const roles = useResource(() => api<Role[]>('GET', '/roles'), [], isType('role.'));
  const roleName = new Map((roles.data ?? []).map((r) => [r.id, r.name]));
  const list = tpls.data ?? [];
  return (
    <div>
      <h2>Workflows</h2>
      <p>
        <a href="#/workflows/new">New workflow</a>
      </p>
      <Notice />
      <ErrorBox error={tpls.error} />
      <Loading when={tpls.loading} />
      <Empty when={!tpls.loading && list.length === 0}>No workflow templates yet.</Empty>
      {list.map((t) => {
        const index = new Map(t.steps.map((s, i) => [s.step_id, i + 1]));
        return (
          <section key={t.id} className="card" aria-label={`Workflow ${t.name}`} data-template={t.id}>
            <h3>
              {t.name} <span className="muted">#{t.id}</span> <StartRun template={t} />
            </h3>
            <div className="actions">
              <a href={`#/workflows/${t.id}/edit`} aria-label={`Edit ${t.name}`}>
                Edit
              </a>{' '}
              <a href={`#/workflows/${t.id}/duplicate`} aria-label={`Duplicate ${t.name}`}>
                Duplicate
              </a>{' '}
              <DeleteTemplate template={t} />
            </div>
            <div className="dag-wrap">
              <DagView
                label={`Steps of ${t.name}`}
                nodes={t.steps.map((s, i) => ({
                  id: i + 1,
                  deps: s.depends_on.map((d) => index.get(d) ?? 0),
                  label: s.step_id,
                  status: roleName.get(s.role_id) ?? `role ${s.role_id}`,
                  note: s.requires_approval ? 'approval' : undefined,
                }))}
              />
            </div>
          </section>
        );
      })}
    </div>
  );
}

/** Starts a run of the template and opens its page. */
function StartRun({ template }: { template: WorkflowTemplate }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            const run = await api<{ id: number }>('POST', '/workflow-runs', {
              workflow_template_id: template.id,
              initiated_by: 'panel',
            });
            window.location.hash = `#/runs/${run.id}`;
          } catch (err) {
            setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
          } finally {
            setBusy(false);
          }
        }}
      >
        Start a run of {template.name}
      </button>
      <ErrorBox error={error} />
    </>
  );
}

/** `#/workflows?saved=3` / `?created=3` (where the builder returns): says what happened. */
function Notice() {
  const q = new URLSearchParams(window.location.hash.split('?')[1] ?? '');
  const id = q.get('saved') ?? q.get('created');
  if (!id) return null;
  return (
    <p role="status">
      Workflow #{id} {q.has('saved') ? 'saved' : 'created'}.
    </p>
  );
}

/**
 * Deletes a template after a confirmation. The API refuses (409 RESOURCE_IN_USE) while a run refers
 * to it; the refusal is shown with its code. A change since the confirmation opened refuses it too (412
 * EDIT_CONFLICT, nothing deleted).
 */
function DeleteTemplate({ template }: { template: WorkflowTemplate }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Opening the confirmation reads the template's version; the delete names it (If-Match).
  const version = useDeleteVersion(`/workflow-templates/${template.id}`);
  const what = `workflow ${template.name}`;
  if (!asking)
    return (
      <>
        <button
          type="button"
          onClick={() => {
            setAsking(true);
            version.open();
          }}
        >
          Delete {template.name}
        </button>
        {version.conflict && <DeleteConflict what={what} />}
      </>
    );
  return (
    <span role="group" aria-label={`Delete ${template.name}?`}>
      Delete workflow <strong>{template.name}</strong> (#{template.id})? This cannot be undone.{' '}
      <button
        type="button"
        disabled={busy || !version.ready}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            // The list drops it on the workflow_template.deleted event; a conflict closes the question.
            if (!(await version.remove())) setAsking(false);
          } catch (err) {
            setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
          } finally {
            setBusy(false);
          }
        }}
      >
        Confirm delete
      </button>{' '}
      <button
        type="button"
        onClick={() => {
          setAsking(false);
          setError(null);
          version.close();
        }}
      >
        Cancel
      </button>
      <ErrorBox error={version.loadError} />
      <ErrorBox error={error} />
    </span>
  );
}
