import type { Role, SkillPack } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { Empty, ErrorBox, Loading } from '../components/common';
import { ConfirmVersionedDelete } from '../components/ConfirmVersionedDelete';
import { RoleForm } from '../components/RoleForm';

function retrySummary(r: Role): string {
  const rp = r.execution_constraints.retry_policy;
  if (!rp) return 'no retries';
  const on = rp.retry_on.length > 0 ? ` on ${rp.retry_on.join(', ')}` : ' (no category)';
  return `${rp.max_retries} retr${rp.max_retries === 1 ? 'y' : 'ies'}${on}; backoff ${rp.backoff_initial_ms}..${rp.backoff_max_ms} ms ×${rp.backoff_multiplier}, jitter ${rp.jitter}`;
}

export function Roles() {
  const roles = useResource(() => api<Role[]>('GET', '/roles'), [], isType('role.'));
  const packs = useResource(() => api<SkillPack[]>('GET', '/skill-packs'), [], isType('skill_pack.'));
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const list = roles.data ?? [];
  const packNames = (packs.data ?? []).map((p) => p.name);
  const edited = list.find((r) => r.id === editing);
  return (
    <div>
      <h2>Roles</h2>
      <ErrorBox error={roles.error} />
      <ErrorBox error={packs.error} />
      <ErrorBox error={actionError} />
      <Loading when={roles.loading} />
      <Empty when={!roles.loading && !roles.error && list.length === 0}>No roles yet.</Empty>
      {list.length > 0 && (
        <table aria-label="Roles">
          <thead>
            <tr>
              <th>Role</th>
              <th>Prompt</th>
              <th>Tools</th>
              <th>Skill packs</th>
              <th>Retry policy</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-role={r.id} className={r.id === editing ? 'selected' : undefined}>
                <td>
                  {r.name} <span className="muted">#{r.id}</span>
                </td>
                <td className="clip">{r.system_prompt || '—'}</td>
                <td>{r.allowed_tools.join(', ') || '—'}</td>
                <td>{r.skill_packs.join(', ') || '—'}</td>
                <td data-testid="retry">{retrySummary(r)}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Edit role ${r.name}`}
                    aria-pressed={r.id === editing}
                    onClick={() => setEditing(r.id === editing ? null : r.id)}
                  >
                    Edit
                  </button>{' '}
                  <ConfirmVersionedDelete
                    what={`role ${r.name}`}
                    path={`/roles/${r.id}`}
                    onError={setActionError}
                    onDeleted={() => {
                      if (editing === r.id) setEditing(null);
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {edited && (
        <RoleForm key={edited.id} role={edited} packNames={packNames} onCancel={() => setEditing(null)} />
      )}
      <RoleForm packNames={packNames} />
    </div>
  );
}
