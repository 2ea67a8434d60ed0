import type { Project } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { Empty, ErrorBox, Loading } from '../components/common';
import { ConfirmVersionedDelete } from '../components/ConfirmVersionedDelete';
import { ProjectForm } from '../components/ProjectForm';

export function Projects() {
  // The API has an event for a created project only; the panel's own edits and deletes reload the list.
  const projects = useResource(() => api<Project[]>('GET', '/projects'), [], isType('project.'));
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const list = projects.data ?? [];
  const edited = list.find((p) => p.id === editing);
  return (
    <div>
      <h2>Projects</h2>
      <ErrorBox error={projects.error} />
      <ErrorBox error={actionError} />
      <Loading when={projects.loading} />
      <Empty when={!projects.loading && !projects.error && list.length === 0}>No projects yet.</Empty>
      {list.length > 0 && (
        <table aria-label="Projects">
          <thead>
            <tr>
              <th>Project</th>
              <th>Root</th>
              <th>Allowed paths</th>
              <th>Default branch</th>
              <th>Worktree setup</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id} data-project={p.id} className={p.id === editing ? 'selected' : undefined}>
                <td>
                  {p.name} <span className="muted">#{p.id}</span>
                </td>
                <td>
                  <code>{p.root_path}</code>
                </td>
                <td>{p.allowed_paths.join(', ') || '—'}</td>
                <td>{p.default_branch ?? '(current branch)'}</td>
                <td>
                  {[
                    p.worktree_setup.copy_files.length > 0 &&
                      `copies ${p.worktree_setup.copy_files.join(', ')}`,
                    p.worktree_setup.command && `runs ${p.worktree_setup.command.join(' ')}`,
                    p.worktree_setup.hooks && 'hooks',
                    p.worktree_setup.lfs_smudge && 'LFS',
                  ]
                    .filter(Boolean)
                    .join('; ') || '—'}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Edit project ${p.name}`}
                    aria-pressed={p.id === editing}
                    onClick={() => setEditing(p.id === editing ? null : p.id)}
                  >
                    Edit
                  </button>{' '}
                  <ConfirmVersionedDelete
                    what={`project ${p.name}`}
                    path={`/projects/${p.id}`}
                    onError={setActionError}
                    onDeleted={() => {
                      if (editing === p.id) setEditing(null);
                      projects.reload();
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {edited && (
        <ProjectForm
          key={edited.id}
          project={edited}
          onSaved={projects.reload}
          onCancel={() => setEditing(null)}
        />
      )}
      <ProjectForm onSaved={projects.reload} />
    </div>
  );
}
