import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Projects } from '../../src/pages/Projects';
import { Roles } from '../../src/pages/Roles';
import { SkillPacks } from '../../src/pages/SkillPacks';
import { Workflows } from '../../src/pages/Workflows';

/**
 * Optimistic concurrency on the panel's deletes: opening the confirmation reads the item's ETag (lists
 * carry none), the delete sends it as If-Match, and a 412 EDIT_CONFLICT shows the conflict and deletes
 * nothing. The API is a fetch mock keeping one stored item and its version, checked as the real one does.
 */
function storedItem(path: string, listPath: string, first: object, extra: Record<string, unknown>) {
  const state = { item: first as object | null, revision: 1 };
  const calls: Array<{ method: string; url: string; ifMatch: string | null }> = [];
  const etag = () => `"r${state.revision}"`;
  const reply = (body: unknown, status = 200) =>
    new Response(body === null ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', etag: etag() },
    });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const ifMatch = new Headers(init?.headers).get('if-match');
      calls.push({ method, url, ifMatch });
      if (url === listPath && method === 'GET') return reply(state.item ? [state.item] : []);
      if (url === path && state.item === null)
        return reply({ detail: `${path} not found`, code: 'NOT_FOUND' }, 404);
      if (url === path && method === 'GET') return reply(state.item);
      if (url === path && method === 'DELETE') {
        if (ifMatch !== null && ifMatch !== etag())
          return reply(
            { detail: `changed; its current ETag is ${etag()}`, code: 'EDIT_CONFLICT', current_etag: etag() },
            412,
          );
        state.item = null;
        return new Response(null, { status: 204 });
      }
      if (url in extra) return reply(extra[url]);
      return reply({ detail: `${method} ${url}`, code: 'ROUTE_NOT_FOUND' }, 404);
    }),
  );
  /** Someone else's edit, straight into the store. */
  const theirEdit = (patch: object) => {
    state.item = { ...state.item, ...patch };
    state.revision += 1;
  };
  const deletes = () => calls.filter((c) => c.method === 'DELETE').map((c) => c.ifMatch);
  return { state, calls, theirEdit, deletes };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

interface Case {
  page: string;
  render: () => ReactElement;
  path: string;
  list: string;
  item: object;
  extra?: Record<string, unknown>;
  what: string;
}

const CASES: Case[] = [
  {
    page: 'Roles',
    render: () => <Roles />,
    path: '/roles/1',
    list: '/roles',
    item: {
      id: 1,
      name: 'coder',
      context7_enabled: false,
      system_prompt: '',
      allowed_tools: [],
      skill_packs: [],
      execution_constraints: {},
    },
    extra: { '/skill-packs': [] },
    what: 'role coder',
  },
  {
    page: 'Projects',
    render: () => <Projects />,
    path: '/projects/2',
    list: '/projects',
    item: {
      id: 2,
      name: 'app',
      root_path: '/tmp/app',
      allowed_paths: [],
      default_branch: null,
      worktree_setup: { copy_files: [], command: null, hooks: false, lfs_smudge: false },
    },
    what: 'project app',
  },
  {
    page: 'SkillPacks',
    render: () => <SkillPacks />,
    path: '/skill-packs/3',
    list: '/skill-packs',
    item: { id: 3, name: 'core', skills: [], used_by_role_ids: [] },
    extra: { '/skills': [] },
    what: 'skill pack core',
  },
];

describe.each(CASES)('$page: a delete names the version read when its confirmation opened', (c) => {
  const confirmDelete = async () => {
    fireEvent.click(await screen.findByRole('button', { name: `Delete ${c.what}` }));
    const group = screen.getByRole('group', { name: `Confirm deleting ${c.what}` });
    const yes = within(group).getByRole('button', { name: 'Yes, delete' });
    // "Yes, delete" waits for the item's version.
    await waitFor(() => expect(yes.hasAttribute('disabled')).toBe(false));
    return yes;
  };

  it('a change since then: 412 shows the conflict and deletes nothing; the next confirmation deletes', async () => {
    const api = storedItem(c.path, c.list, c.item, c.extra ?? {});
    render(c.render());
    const yes = await confirmDelete();
    api.theirEdit({ name: (c.item as { name: string }).name });
    fireEvent.click(yes);
    const alert = await screen.findByText(/changed by someone else since you opened it/);
    expect(alert.closest('[role="alert"]')!.textContent).toContain(
      `EDIT_CONFLICT: ${c.what} was changed by someone else since you opened it. Nothing was deleted`,
    );
    expect(api.deletes()).toEqual(['"r1"']);
    expect(api.state.item).not.toBeNull();
    // The question closed; asking again reads the current version, and that delete applies.
    expect(screen.queryByRole('group', { name: `Confirm deleting ${c.what}` })).toBeNull();
    fireEvent.click(await confirmDelete());
    await waitFor(() => expect(api.state.item).toBeNull());
    expect(api.deletes()).toEqual(['"r1"', '"r2"']);
    expect(screen.queryByText(/changed by someone else/)).toBeNull();
  });
});

describe('Workflows: a delete names the version read when its confirmation opened', () => {
  it('a change since then: 412 shows the conflict and deletes nothing; Cancel sends nothing', async () => {
    const template = {
      id: 5,
      name: 'ship',
      project_id: null,
      execution_mode: null,
      merge: { enabled: false, strategy: 'merge-commit', requires_approval: false, target_branch: null },
      steps: [{ step_id: 'plan', title: 'Plan', role_id: 7, depends_on: [], required_artifacts: [] }],
    };
    const api = storedItem('/workflow-templates/5', '/workflow-templates', template, {
      '/roles': [{ id: 7, name: 'dev' }],
    });
    render(<Workflows />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete ship' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete ship' }));
    const confirm = screen.getByRole('button', { name: 'Confirm delete' });
    await waitFor(() => expect(confirm.hasAttribute('disabled')).toBe(false));
    api.theirEdit({ name: 'ship' });
    fireEvent.click(confirm);
    const alert = await screen.findByText(/changed by someone else since you opened it/);
    expect(alert.closest('[role="alert"]')!.textContent).toContain(
      'EDIT_CONFLICT: workflow ship was changed by someone else since you opened it. Nothing was deleted',
    );
    expect(api.deletes()).toEqual(['"r1"']);
    expect(api.state.item).not.toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Delete ship' }));
    const again = screen.getByRole('button', { name: 'Confirm delete' });
    await waitFor(() => expect(again.hasAttribute('disabled')).toBe(false));
    fireEvent.click(again);
    await waitFor(() => expect(api.state.item).toBeNull());
    expect(api.deletes()).toEqual(['"r1"', '"r2"']);
  });
});
