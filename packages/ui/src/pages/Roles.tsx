import type { Role } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { Empty, ErrorBox, Loading } from '../components/common';

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
