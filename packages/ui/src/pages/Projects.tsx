import type { Project } from '@multyagents/contracts';
import { api } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { Empty, ErrorBox, Loading } from '../components/common';

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
