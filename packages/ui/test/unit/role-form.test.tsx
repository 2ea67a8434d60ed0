import { ExecutionConstraints, RetryPolicy, RETRY_ON_CATEGORIES, type Role } from '@multyagents/contracts';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import { draftFromRole, LIMIT_BOUNDS, RETRY_BOUNDS, RETRY_ON, roleBody } from '../../src/lib/roleForm';
import type { EventRecord } from '../../src/lib/types';
import { Roles } from '../../src/pages/Roles';

const stored: Role = {
  id: 1,
  name: 'coder',
  context7_enabled: true,
  system_prompt: 'You write code.',
  allowed_tools: ['bash', 'git'],
  skill_packs: ['core'],
  execution_constraints: {
    retry_policy: {
      max_retries: 2,
      retry_on: ['network'],
      backoff_initial_ms: 500,
      backoff_max_ms: 8000,
      backoff_multiplier: 2,
      jitter: 0.1,
    },
    timeout_seconds: 600,
    read_only: false,
    agent_args: ['--model', 'sonnet'],
    sandbox: 'required',
  },
};

afterEach(cleanup);

describe('the role form mirrors the contract (contracts/src/roles.ts)', () => {
  it('has the bounds and defaults of RetryPolicy and ExecutionConstraints: inside accepted, one step out refused', () => {
    const base = RetryPolicy.parse({});
    for (const [k, b] of Object.entries(RETRY_BOUNDS)) {
      expect(base[k as keyof typeof base], `default of ${k}`).toBe(b.dflt);
      const step = b.int ? 1 : 0.001;
      expect(RetryPolicy.safeParse({ [k]: b.min }).success, `${k}=${b.min}`).toBe(true);
      expect(RetryPolicy.safeParse({ [k]: b.max }).success, `${k}=${b.max}`).toBe(true);
      expect(RetryPolicy.safeParse({ [k]: b.min - step }).success, `${k} below`).toBe(false);
      expect(RetryPolicy.safeParse({ [k]: b.max + step }).success, `${k} above`).toBe(false);
      expect(RetryPolicy.safeParse({ [k]: b.min + 0.5 }).success, `${k} fraction`).toBe(!b.int);
    }
    for (const [k, b] of Object.entries(LIMIT_BOUNDS)) {
      expect(ExecutionConstraints.safeParse({ [k]: b.max }).success).toBe(true);
      expect(ExecutionConstraints.safeParse({ [k]: b.max + 1 }).success).toBe(false);
      expect(ExecutionConstraints.safeParse({ [k]: b.min - 1 }).success).toBe(false);
    }
    expect([...RETRY_ON]).toEqual([...RETRY_ON_CATEGORIES]);
  });

  it('a stored role converts to a draft and back to the same body (nothing lost, free-form keys kept)', () => {
    const { body, errors } = roleBody(draftFromRole(stored));
    expect(errors).toEqual({});
    expect({ id: stored.id, ...body }).toEqual(stored);
  });

  it('refuses out-of-bounds and malformed values, per field, and sends nothing', () => {
    const d = draftFromRole(stored);
    d.name = '  ';
    d.retry = {
      ...d.retry,
      max_retries: '11',
      jitter: '1.5',
      backoff_initial_ms: '2.5',
      backoff_multiplier: 'x',
    };
    d.limits = { time_to_start_seconds: '0', timeout_seconds: '604801' };
    d.extra = '{"retry_policy": {}}';
    const { body, errors } = roleBody(d);
    expect(body).toBeNull();
    expect(errors).toEqual({
      name: 'a name is required',
      'retry_policy.max_retries': 'must be within 0..10',
      'retry_policy.jitter': 'must be within 0..1',
      'retry_policy.backoff_initial_ms': 'a whole number 0..3600000',
      'retry_policy.backoff_multiplier': 'a number 1..10',
      time_to_start_seconds: 'must be within 1..86400',
      timeout_seconds: 'must be within 1..604800',
      extra: "'retry_policy' has its own field above",
    });
    expect(roleBody({ ...draftFromRole(stored), extra: '[1]' }).errors).toEqual({ extra: 'a JSON object' });
    expect(roleBody({ ...draftFromRole(stored), extra: '{' }).errors.extra).toMatch(/^not JSON/);
  });

  it('retries off: no retry_policy; empty numbers: the API defaults', () => {
    const off = roleBody({ ...draftFromRole(stored), retry_enabled: false }).body!;
    expect(off.execution_constraints.retry_policy).toBeUndefined();
    const d = draftFromRole();
    d.name = 'fresh';
    d.retry_enabled = true;
    expect(roleBody(d).body!.execution_constraints).toEqual({
      retry_policy: { ...RetryPolicy.parse({}), retry_on: [] },
    });
  });
});

describe('Roles page: edit round trip', () => {
  let roles: Role[];
  const sent: Array<{ method: string; url: string; body: unknown }> = [];
  /** The If-Match of each PUT; the stored role's version moves at each accepted PUT. */
  const ifMatch: Array<string | null> = [];
  let revision = 1;
  beforeEach(() => {
    sent.length = 0;
    ifMatch.length = 0;
    revision = 1;
    roles = [structuredClone(stored)];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const method = init?.method ?? 'GET';
        const json = (body: unknown, status = 200, etag?: string) =>
          new Response(JSON.stringify(body), {
            status,
            headers: { 'content-type': 'application/json', ...(etag ? { etag } : {}) },
          });
        if (method !== 'GET')
          sent.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : null });
        if (url === '/roles' && method === 'GET') return json(roles);
        if (url === '/skill-packs')
          return json([
            { id: 1, name: 'core', skills: ['skills/task-governance'], used_by_role_ids: [1] },
            { id: 2, name: 'ui', skills: ['skills/react-control-panel'], used_by_role_ids: [] },
          ]);
        if (url === '/roles/1' && method === 'GET') return json(roles[0], 200, `"r${revision}"`);
        if (url === '/roles/1' && method === 'PUT') {
          ifMatch.push(new Headers(init!.headers).get('if-match'));
          const body = JSON.parse(String(init!.body)) as Omit<Role, 'id'>;
          if (body.skill_packs.includes('gone'))
            return json(
              { detail: 'unknown skill packs: gone', code: 'UNKNOWN_REFERENCE', field: 'skill_packs[0]' },
              422,
            );
          roles = [{ id: 1, ...body }];
          revision += 1;
          return json(roles[0], 200, `"r${revision}"`);
        }
        if (url === '/roles/1' && method === 'DELETE') {
          ifMatch.push(new Headers(init!.headers).get('if-match'));
          return json(
            {
              detail: 'role 1 is referenced by 1 workflow template(s) and 0 task(s)',
              code: 'RESOURCE_IN_USE',
            },
            409,
          );
        }
        return json({ detail: 'nope', code: 'ROUTE_NOT_FOUND' }, 404);
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('blocks an out-of-bounds value, then PUTs the whole role with the edited retry policy and pack', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Roles />
      </LiveContext.Provider>,
    );
    const table = await screen.findByRole('table', { name: 'Roles' });
    expect(within(table).getByTestId('retry').textContent).toContain('2 retries on network');
    fireEvent.click(screen.getByRole('button', { name: 'Edit role coder' }));
    const form = screen.getByRole('form', { name: 'Edit role coder' });
    const f = within(form);
    // Save waits for the role's version (GET /roles/1 and its ETag).
    await waitFor(() =>
      expect(f.getByRole('button', { name: 'Save role' }).hasAttribute('disabled')).toBe(false),
    );
    expect((f.getByLabelText('System prompt') as HTMLTextAreaElement).value).toBe('You write code.');
    expect((f.getByLabelText('Other execution constraints') as HTMLTextAreaElement).value).toContain(
      '"sandbox": "required"',
    );

    fireEvent.change(f.getByLabelText('Max retries'), { target: { value: '11' } });
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    expect(await f.findByText('must be within 0..10')).toBeTruthy();
    expect(f.getByLabelText('Max retries').getAttribute('aria-invalid')).toBe('true');
    expect(f.getByText(/1 field needs fixing; nothing was sent/)).toBeTruthy();
    expect(sent).toEqual([]);

    fireEvent.change(f.getByLabelText('Max retries'), { target: { value: '4' } });
    fireEvent.click(within(f.getByRole('group', { name: 'Retry on' })).getByLabelText('timeout'));
    fireEvent.click(within(f.getByRole('group', { name: 'Skill packs' })).getByLabelText('ui'));
    fireEvent.change(f.getByLabelText('Resume agent session on retry'), { target: { value: 'false' } });
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    await f.findByText('role coder saved');
    expect(sent).toEqual([
      {
        method: 'PUT',
        url: '/roles/1',
        body: {
          name: 'coder',
          context7_enabled: true,
          system_prompt: 'You write code.',
          allowed_tools: ['bash', 'git'],
          skill_packs: ['core', 'ui'],
          execution_constraints: {
            sandbox: 'required',
            retry_policy: {
              retry_on: ['network', 'timeout'],
              max_retries: 4,
              backoff_initial_ms: 500,
              backoff_max_ms: 8000,
              backoff_multiplier: 2,
              jitter: 0.1,
            },
            timeout_seconds: 600,
            read_only: false,
            resume: false,
            agent_args: ['--model', 'sonnet'],
          },
        },
      },
    ]);
    expect(ifMatch).toEqual(['"r1"']);
    // The API's role.updated event refetches the list: the stored policy shows.
    act(() => bus.publish({ id: 5, event_type: 'role.updated', run_id: null, task_id: null } as EventRecord));
    await waitFor(() =>
      expect(within(table).getByTestId('retry').textContent).toContain('4 retries on network, timeout'),
    );
  });

  it('shows the API refusals with their code and detail (an edit, a delete behind its confirmation)', async () => {
    roles[0]!.skill_packs = ['gone'];
    render(<Roles />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit role coder' }));
    const f = within(screen.getByRole('form', { name: 'Edit role coder' }));
    await waitFor(() =>
      expect(f.getByRole('button', { name: 'Save role' }).hasAttribute('disabled')).toBe(false),
    );
    expect(within(f.getByRole('group', { name: 'Skill packs' })).getByText('(not in the list)')).toBeTruthy();
    fireEvent.click(f.getByRole('button', { name: 'Save role' }));
    const alert = await f.findByRole('alert');
    expect(alert.textContent).toBe('UNKNOWN_REFERENCE unknown skill packs: gone');

    fireEvent.click(screen.getByRole('button', { name: 'Delete role coder' }));
    expect(sent.filter((s) => s.method === 'DELETE')).toEqual([]);
    const confirm = screen.getByRole('group', { name: 'Confirm deleting role coder' });
    // "Yes, delete" waits for the role's version, read when the confirmation opened.
    const yes = within(confirm).getByRole('button', { name: 'Yes, delete' });
    await waitFor(() => expect(yes.hasAttribute('disabled')).toBe(false));
    fireEvent.click(yes);
    await waitFor(() => expect(screen.getByText(/role 1 is referenced by 1 workflow template/)).toBeTruthy());
    expect(screen.getByText('RESOURCE_IN_USE')).toBeTruthy();
    expect(sent.filter((s) => s.method === 'DELETE').map((s) => s.url)).toEqual(['/roles/1']);
    // The refused PUT and the refused DELETE both named the version read (r1).
    expect(ifMatch).toEqual(['"r1"', '"r1"']);
  });
});
