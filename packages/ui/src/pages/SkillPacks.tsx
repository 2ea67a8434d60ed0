import type { SkillEntry, SkillPack } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { Empty, ErrorBox, Loading } from '../components/common';
import { ConfirmVersionedDelete } from '../components/ConfirmVersionedDelete';
import { SkillPackForm } from '../components/SkillPackForm';

export function SkillPacks() {
  // A pack's `used_by_role_ids` changes when a role changes: both kinds of events refetch it.
  const packs = useResource(
    () => api<SkillPack[]>('GET', '/skill-packs'),
    [],
    isType('skill_pack.', 'role.'),
  );
  const skills = useResource(
    () => api<SkillEntry[]>('GET', '/skills'),
    [],
    () => false,
  );
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const list = packs.data ?? [];
  const catalogue = skills.data ?? [];
  const edited = list.find((p) => p.id === editing);
  return (
    <div>
      <h2>Skill packs</h2>
      <p className="muted">
        A skill pack names skills of the catalogue; a role lists packs by name, and its agents read the
        skills' instructions in their prompt.
      </p>
      <ErrorBox error={packs.error} />
      <ErrorBox error={actionError} />
      <Loading when={packs.loading} />
      <Empty when={!packs.loading && !packs.error && list.length === 0}>
        No skill packs yet. Create one below, then pick it in a role's form.
      </Empty>
      {list.length > 0 && (
        <table aria-label="Skill packs">
          <thead>
            <tr>
              <th>Skill pack</th>
              <th>Skills</th>
              <th>Used by roles</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id} data-pack={p.id} className={p.id === editing ? 'selected' : undefined}>
                <td>
                  {p.name} <span className="muted">#{p.id}</span>
                </td>
                <td>
                  {p.skills.map((s) => (
                    <code key={s} className="tag">
                      {s}
                    </code>
                  ))}
                </td>
                <td>
                  {p.used_by_role_ids.length > 0 ? p.used_by_role_ids.map((id) => `#${id}`).join(', ') : '—'}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Edit skill pack ${p.name}`}
                    aria-pressed={p.id === editing}
                    onClick={() => setEditing(p.id === editing ? null : p.id)}
                  >
                    Edit
                  </button>{' '}
                  <ConfirmVersionedDelete
                    what={`skill pack ${p.name}`}
                    path={`/skill-packs/${p.id}`}
                    onError={setActionError}
                    onDeleted={() => {
                      if (editing === p.id) setEditing(null);
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBox error={skills.error} />
      <Loading when={skills.loading}>Loading the skills catalogue…</Loading>
      {edited && skills.data && (
        <SkillPackForm key={edited.id} pack={edited} skills={catalogue} onCancel={() => setEditing(null)} />
      )}
      {!skills.loading && <SkillPackForm skills={catalogue} />}
    </div>
  );
}
