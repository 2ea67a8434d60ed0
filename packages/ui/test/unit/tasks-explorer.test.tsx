import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord, TaskView } from '../../src/lib/types';
import { Tasks } from '../../src/pages/Tasks';

function task(id: number, over: Partial<TaskView> = {}): TaskView {
  return {
    id,
    run_id: 7,
    step_id: `s${id}`,
    title: `Step ${id}`,
    status: 'failed',
    attempt: 2,
    runner_id: 3,
    depends_on: [],
    requires_approval: false,
    approval_id: null,
    approval_status: null,
    failure_category: 'agent-error' as never,
    failure_step: 'run',
    message: null,
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:00:02.500Z',
    created_at: '2026-01-01T00:00:00Z',
    failure_triage_hints: [],
    suggested_next_actions: [],
    ...over,
  };
}

/** A fake `GET /tasks` keyset pager over ids 1..120 (newest first), with the API's page headers. */
const ALL = Array.from({ length: 120 }, (_, i) =>
  task(
    120 - i,
    i === 0 ? { status: 'running', failure_category: null, failure_step: null, finished_at: null } : {},
  ),
);

describe('Tasks explorer', () => {
  const calls: string[] = [];
  beforeEach(() => {
    calls.length = 0;
    window.location.hash = '#/tasks?status=failed&run_id=7';
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        calls.push(url);
        const u = new URL(url, 'http://panel');
        if (u.pathname === '/runners')
          return new Response(JSON.stringify([{ id: 3, name: 'box-3' }]), { status: 200 });
        if (u.pathname !== '/tasks')
          return new Response('{"code":"ROUTE_NOT_FOUND","detail":"no"}', { status: 404 });
        if (u.searchParams.get('run_id') === '999')
          return new Response(
            '{"code":"WORKFLOW_RUN_NOT_FOUND","detail":"workflow run 999 not found","field":"run_id"}',
            {
              status: 404,
            },
          );
        const before = Number(u.searchParams.get('before_id') ?? Infinity);
        const limit = Number(u.searchParams.get('limit'));
        const matching = ALL.filter(
          (t) => !u.searchParams.get('status') || t.status === u.searchParams.get('status'),
        );
        const older = matching.filter((t) => t.id < before);
        const page = older.slice(0, limit);
        const newer = matching.filter((t) => t.id >= before).reverse();
        const headers: Record<string, string> = {
          'x-total-count': String(matching.length),
          'x-page-offset': String(newer.length),
        };
        if (older.length > limit) headers['x-next-before-id'] = String(page[page.length - 1]!.id);
        if (newer.length > limit) headers['x-prev-before-id'] = String(newer[limit]!.id);
        return new Response(JSON.stringify(page), { status: 200, headers });
      }),
    );
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = '';
  });

  const ids = () =>
    within(screen.getByRole('table', { name: 'Tasks' }))
      .getAllByRole('row')
      .slice(1)
      .map((r) => Number(r.getAttribute('data-task')));
  const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;
  const href = (name: string) => screen.queryByRole('link', { name })?.getAttribute('href') ?? null;
  const follow = (name: string) =>
    act(() => {
      window.location.hash = href(name)!;
    });
  const F = '#/tasks?status=failed&run_id=7';

  it('reads its filters from the hash query and pages with before_id by the API headers', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Tasks />
      </LiveContext.Provider>,
    );
    await screen.findByRole('table', { name: 'Tasks' });
    expect(calls).toContain('/tasks?status=failed&run_id=7&limit=50');
    expect((screen.getByLabelText('Status') as HTMLSelectElement).value).toBe('failed');
    expect((screen.getByLabelText('Run id') as HTMLInputElement).value).toBe('7');
    expect(screen.getByTestId('task-total').textContent).toBe('Tasks 1–50 of 119 matching · page 1 of 3');
    expect(ids()).toEqual(Array.from({ length: 50 }, (_, i) => 119 - i));
    // Each row: its run page, status, attempt, runner (with its name), duration, failure category.
    const row = within(screen.getByRole('table', { name: 'Tasks' })).getAllByRole('row')[1]!;
    expect(within(row).getByRole('link', { name: 'Run 7' }).getAttribute('href')).toBe('#/runs/7');
    expect(row.textContent).toContain('failed');
    expect(row.textContent).toContain('3 (box-3)');
    expect(row.textContent).toContain('2.5 s');
    expect(row.textContent).toContain('agent-error at run');
    expect([href('Newest'), href('Newer'), href('Older')]).toEqual([null, null, `${F}&before_id=70`]);

    follow('Older');
    await waitFor(() => expect(ids()[0]).toBe(69));
    expect(calls).toContain('/tasks?status=failed&run_id=7&before_id=70&limit=50');
    expect(screen.getByTestId('task-total').textContent).toBe('Tasks 51–100 of 119 matching · page 2 of 3');
    // The newer page is the newest: the API sent no x-prev-before-id.
    expect([href('Newest'), href('Newer'), href('Older')]).toEqual([F, F, `${F}&before_id=20`]);
    follow('Older');
    await waitFor(() => expect(ids()[0]).toBe(19));
    expect(ids()).toHaveLength(19);
    expect(screen.getByTestId('task-total').textContent).toBe('Tasks 101–119 of 119 matching · page 3 of 3');
    // The last page: the API sent no x-next-before-id; Newer is the API's cursor of the page before.
    expect([href('Newest'), href('Newer'), href('Older')]).toEqual([F, `${F}&before_id=70`, null]);
    follow('Newer');
    await waitFor(() => expect(ids()[0]).toBe(69));
    follow('Newest');
    await waitFor(() => expect(ids()[0]).toBe(119));
    expect(window.location.hash).toBe(F);

    // Live: an event about a task refetches the page.
    const n = calls.length;
    act(() =>
      bus.publish({
        id: 1,
        event_type: 'task.runner_status_updated',
        run_id: 7,
        task_id: 119,
      } as EventRecord),
    );
    await waitFor(() => expect(calls.length).toBeGreaterThan(n));
    expect(calls.slice(n)).toContain('/tasks?status=failed&run_id=7&limit=50');
  });

  it('applies the filter form to the hash query, refuses a malformed id, and shows the API error', async () => {
    render(<Tasks />);
    await screen.findByRole('table', { name: 'Tasks' });
    fireEvent.change(screen.getByLabelText('Runner id'), { target: { value: 'x1' } });
    fireEvent.click(button('Apply filters'));
    expect(screen.getByRole('alert').textContent).toBe('Runner id: a positive whole number');
    expect(window.location.hash).toBe('#/tasks?status=failed&run_id=7');

    fireEvent.change(screen.getByLabelText('Runner id'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Step id'), { target: { value: ' s5 ' } });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: '' } });
    fireEvent.click(button('Apply filters'));
    await waitFor(() => expect(window.location.hash).toBe('#/tasks?run_id=7&runner_id=3&step_id=s5'));
    await waitFor(() => expect(calls).toContain('/tasks?run_id=7&runner_id=3&step_id=s5&limit=50'));

    fireEvent.change(screen.getByLabelText('Run id'), { target: { value: '999' } });
    fireEvent.click(button('Apply filters'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('WORKFLOW_RUN_NOT_FOUND workflow run 999 not found');
  });
});
