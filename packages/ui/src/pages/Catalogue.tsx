import type { Project, Role, WorkflowTemplate } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { DagView } from '../components/DagView';
import { Empty, ErrorBox, Loading } from '../components/common';

/**
 * Read-only views of what runs are made of: workflows (each drawn as its DAG), roles and projects.
 * Editing them (the workflow builder, role forms) is not done yet: docs/ui.md.
 */
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
        <a href="#/workflows/new">New workflow</a>{' '}
        <span className="muted">
          (editing an existing one: the API or <code>multyagents run</code>)
        </span>
      </p>
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

/** A role with a name and a prompt; tools, skill packs and retry policy: the API for now. */
function NewRole() {
  const [name, setName] = useState('');
  const [prompt, setPrompt] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <form
      className="card"
      aria-label="New role"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setDone(null);
        try {
          const r = await api<Role>('POST', '/roles', { name: name.trim(), system_prompt: prompt });
          setDone(`role ${r.name} created`);
          setName('');
          setPrompt('');
        } catch (err) {
          setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
        }
      }}
    >
      <h3>New role</h3>
      <label>
        Role name <input value={name} onChange={(e) => setName(e.target.value)} name="role-name" />
      </label>{' '}
      <label className="block">
        System prompt
        <textarea
          rows={3}
          cols={60}
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          name="prompt"
        />
      </label>
      <button type="submit" disabled={!name.trim()}>
        Create role
      </button>
      <ErrorBox error={error} />
      {done && (
        <span className="ok" role="status">
          {done}
        </span>
      )}
    </form>
  );
}

export function Roles() {
  const roles = useResource(() => api<Role[]>('GET', '/roles'), [], isType('role.'));
  const list = roles.data ?? [];
  return (
    <div>
      <h2>Roles</h2>
      <NewRole />
      <ErrorBox error={roles.error} />
      <Loading when={roles.loading} />
      <Empty when={!roles.loading && list.length === 0}>No roles yet.</Empty>
      {list.length > 0 && (
        <table aria-label="Roles">
          <thead>
            <tr>
              <th>Role</th>
              <th>Prompt</th>
              <th>Tools</th>
              <th>Skill packs</th>
              <th>Retry policy</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.name} <span className="muted">#{r.id}</span>
                </td>
                <td className="clip">{r.system_prompt || '—'}</td>
                <td>{r.allowed_tools.join(', ') || '—'}</td>
                <td>{r.skill_packs.join(', ') || '—'}</td>
                <td>
                  <code>{JSON.stringify(r.execution_constraints?.retry_policy ?? null)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function Projects() {
  const projects = useResource(() => api<Project[]>('GET', '/projects'), [], isType('project.'));
  const list = projects.data ?? [];
  return (
    <div>
      <h2>Projects</h2>
      <ErrorBox error={projects.error} />
      <Loading when={projects.loading} />
      <Empty when={!projects.loading && list.length === 0}>No projects yet.</Empty>
      {list.length > 0 && (
        <table aria-label="Projects">
          <thead>
            <tr>
              <th>Project</th>
              <th>Root</th>
              <th>Allowed paths</th>
              <th>Default branch</th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id}>
                <td>
                  {p.name} <span className="muted">#{p.id}</span>
                </td>
                <td>
                  <code>{p.root_path}</code>
                </td>
                <td>{p.allowed_paths.join(', ') || '—'}</td>
                <td>{p.default_branch ?? '(current branch)'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
