import type { Project, Role, WorkflowTemplate } from '@multyagents/contracts';
import { api } from '../lib/api';
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
      <p className="muted">
        Read-only for now: create and edit them with the API or <code>multyagents run</code>.
      </p>
      <ErrorBox error={tpls.error} />
      <Loading when={tpls.loading} />
      <Empty when={!tpls.loading && list.length === 0}>No workflow templates yet.</Empty>
      {list.map((t) => {
        const index = new Map(t.steps.map((s, i) => [s.step_id, i + 1]));
        return (
          <section key={t.id} className="card" aria-label={`Workflow ${t.name}`} data-template={t.id}>
            <h3>
              {t.name} <span className="muted">#{t.id}</span>
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

export function Roles() {
  const roles = useResource(() => api<Role[]>('GET', '/roles'), [], isType('role.'));
  const list = roles.data ?? [];
  return (
    <div>
      <h2>Roles</h2>
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
