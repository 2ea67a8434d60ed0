import type { Role } from '@multyagents/contracts';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Builder } from '../../src/pages/Builder';
import { Roles } from '../../src/pages/Roles';

/**
 * Optimistic concurrency in the panel: an edit reads the item's ETag when it starts and sends it as
 * If-Match; a 412 EDIT_CONFLICT keeps the operator's draft and offers "Reload theirs" and "Overwrite".
 * The API is a fetch mock that keeps one stored item and its version, as the real one does.
 */
interface Call {
  method: string;
  url: string;
  ifMatch: string | null;
  body: unknown;
}

function storedItem<T extends object>(path: string, first: T, extra: Record<string, () => unknown>) {
  const state = { item: first, revision: 1 };
  const calls: Call[] = [];
  const etag = () => `"r${state.revision}"`;
  const reply = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', etag: etag() },
    });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const ifMatch = new Headers(init?.headers).get('if-match');
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, ifMatch, body });
      if (url === path && method === 'GET') return reply(state.item);
      if (url === path && method === 'PUT') {
        if (ifMatch !== null && ifMatch !== '*' && ifMatch !== etag())
          return reply(
            { detail: `changed; its current ETag is ${etag()}`, code: 'EDIT_CONFLICT', current_etag: etag() },
            412,
          );
        state.item = { ...state.item, ...(body as object) };
        state.revision += 1;
        return reply(state.item);
      }
      const key = `${method} ${url}`;
      if (key in extra) return new Response(JSON.stringify(extra[key]!()), { status: 200 });
      return new Response(JSON.stringify({ detail: key, code: 'ROUTE_NOT_FOUND' }), { status: 404 });
    }),
  );
  /** Someone else's edit, straight into the store. */
  const theirEdit = (patch: Partial<T>) => {
    state.item = { ...state.item, ...patch };
    state.revision += 1;
  };
  return { calls, state, theirEdit, puts: () => calls.filter((c) => c.method === 'PUT') };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.location.hash = '';
});

const TEMPLATE = {
  id: 5,
  name: 'ship',
  project_id: null,
  execution_mode: null,
  merge: { enabled: false, strategy: 'merge-commit', requires_approval: false, target_branch: null },
  steps: [{ step_id: 'plan', title: 'Plan', role_id: 7, depends_on: [], required_artifacts: [] }],
};

describe('builder: a workflow edited meanwhile', () => {
  const open = async () => {
    const api = storedItem('/workflow-templates/5', TEMPLATE, {
      'GET /roles': () => [{ id: 7, name: 'dev' }],
      'GET /projects': () => [],
    });
    render(<Builder mode="edit" templateId={5} />);
    await screen.findByRole('heading', { name: 'Edit workflow #5' });
    return api;
  };
  const nameInput = () => screen.getByRole('textbox', { name: 'Workflow name' }) as HTMLInputElement;

  it('sends the version it opened as If-Match; on 412 keeps the draft, then Overwrite saves it with the fresh ETag', async () => {
    const api = await open();
    fireEvent.change(nameInput(), { target: { value: 'ship mine' } });
    api.theirEdit({ name: 'ship theirs' });
    fireEvent.click(screen.getByRole('button', { name: 'Save workflow' }));
    const alert = await screen.findByText(/changed by someone else since you opened it/);
    expect(alert.closest('[role="alert"]')!.textContent).toContain(
      'EDIT_CONFLICT: changed by someone else since you opened it',
    );
    expect(api.puts().map((c) => c.ifMatch)).toEqual(['"r1"']);
    // Nothing of mine was lost, nothing was stored.
    expect(nameInput().value).toBe('ship mine');
    expect(api.state.item.name).toBe('ship theirs');
    expect(window.location.hash).toBe('');

    fireEvent.click(screen.getByRole('button', { name: 'Overwrite' }));
    await waitFor(() => expect(window.location.hash).toBe('#/workflows?saved=5'));
    expect(api.puts().map((c) => c.ifMatch)).toEqual(['"r1"', '"r2"']);
    expect(api.state.item.name).toBe('ship mine');
  });

  it('Reload theirs replaces the draft with the stored template; the next save sends its version', async () => {
    const api = await open();
    // In the raw mode too: the conflict keeps the text, and reloading shows the form again.
    fireEvent.change(nameInput(), { target: { value: 'ship mine' } });
    fireEvent.click(screen.getByRole('button', { name: 'JSON' }));
    const raw = (await screen.findByLabelText(/Workflow file \(JSON/)) as HTMLTextAreaElement;
    api.theirEdit({ name: 'ship theirs' });
    fireEvent.click(screen.getByRole('button', { name: 'Save workflow' }));
    await screen.findByText(/changed by someone else since you opened it/);
    expect(raw.value).toContain('"ship mine"');

    fireEvent.click(screen.getByRole('button', { name: 'Reload theirs' }));
    await waitFor(() => expect(nameInput().value).toBe('ship theirs'));
    expect(screen.queryByText(/changed by someone else/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save workflow' }));
    await waitFor(() => expect(window.location.hash).toBe('#/workflows?saved=5'));
    expect(api.puts().map((c) => [c.ifMatch, (c.body as { name: string }).name])).toEqual([
      ['"r1"', 'ship mine'],
      ['"r2"', 'ship theirs'],
    ]);
  });
});

const ROLE: Role = {
  id: 1,
  name: 'coder',
  context7_enabled: false,
  system_prompt: 'You write code.',
  allowed_tools: [],
  skill_packs: [],
  execution_constraints: {},
};

describe('role form: a role edited meanwhile', () => {
  const open = async () => {
    const api = storedItem('/roles/1', ROLE, {
      'GET /roles': (): unknown => [api.state.item],
      'GET /skill-packs': () => [],
    });
    render(<Roles />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit role coder' }));
    const f = within(screen.getByRole('form', { name: 'Edit role coder' }));
    await waitFor(() =>
      expect(f.getByRole('button', { name: 'Save role' }).hasAttribute('disabled')).toBe(false),
    );
    return { api, f };
  };
  const prompt = (f: ReturnType<typeof within>) => f.getByLabelText('System prompt') as HTMLTextAreaElement;

  it('on 412 keeps what was typed; Reload theirs shows their role and saves against its version', async () => {
    const { api, f } = await open();
    fireEvent.change(prompt(f), { target: { value: 'Mine.' } });
    api.theirEdit({ system_prompt: 'Theirs.' });
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    const alert = await f.findByText(/changed by someone else since you opened it/);
    expect(alert.closest('[role="alert"]')!.textContent).toContain(
      'EDIT_CONFLICT: changed by someone else since you opened it',
    );
    expect(prompt(f).value).toBe('Mine.');
    expect(api.state.item.system_prompt).toBe('Theirs.');

    fireEvent.click(f.getByRole('button', { name: 'Reload theirs' }));
    await f.findByText('role coder reloaded');
    expect(prompt(f).value).toBe('Theirs.');
    expect(f.queryByText(/changed by someone else/)).toBeNull();
    fireEvent.change(f.getByLabelText('Allowed tools'), { target: { value: 'git' } });
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    await f.findByText('role coder saved');
    expect(api.puts().map((c) => c.ifMatch)).toEqual(['"r1"', '"r2"']);
    expect(api.state.item).toMatchObject({ system_prompt: 'Theirs.', allowed_tools: ['git'] });
  });

  it('Overwrite saves mine with the version the conflict named; the next edit continues from the new one', async () => {
    const { api, f } = await open();
    fireEvent.change(prompt(f), { target: { value: 'Mine.' } });
    api.theirEdit({ system_prompt: 'Theirs.' });
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    await f.findByText(/changed by someone else since you opened it/);
    fireEvent.click(f.getByRole('button', { name: 'Overwrite' }));
    await f.findByText('role coder saved');
    expect(api.state.item.system_prompt).toBe('Mine.');
    fireEvent.change(prompt(f), { target: { value: 'Mine, again.' } });
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    await waitFor(() => expect(api.puts()).toHaveLength(3));
    expect(api.puts().map((c) => c.ifMatch)).toEqual(['"r1"', '"r2"', '"r3"']);
    expect(api.state.item.system_prompt).toBe('Mine, again.');
  });
});
