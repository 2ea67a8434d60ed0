import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord } from '../../src/lib/types';
import { Approvals } from '../../src/pages/Approvals';

const item = (over: Record<string, unknown>) => ({
  id: 1,
  task_id: 10,
  status: 'pending',
  decided_by: null,
  comment: null,
  decided_at: null,
  created_at: '2026-12-06T10:00:00.000Z',
  run_id: 3,
  step_id: 'plan',
  task_title: 'Plan the work',
  task_status: 'created',
  ...over,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Approvals inbox', () => {
  it('reads GET /approvals twice (waiting, newest decided), shows who decided, posts a decision, follows approval events', async () => {
    let pending = [item({ id: 2, task_id: 11, step_id: 'deploy', task_title: 'Deploy' })];
    const decided = [
      item({
        id: 1,
        status: 'approved',
        decided_by: 'ann',
        comment: 'fine',
        decided_at: '2026-12-06T10:05:00.000Z',
      }),
    ];
    const posts: Array<[string, unknown]> = [];
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') {
        posts.push([url, JSON.parse(String(init.body))]);
        return new Response(JSON.stringify({}), { status: 200 });
      }
      if (url === '/approvals?status=pending&limit=10000') return new Response(JSON.stringify(pending));
      if (url === '/approvals?limit=200') return new Response(JSON.stringify([...pending, ...decided]));
      return new Response(JSON.stringify({ code: 'ROUTE_NOT_FOUND', detail: url }), { status: 404 });
    });
    vi.stubGlobal('fetch', fetchMock);
    const bus = new LiveBus();
    render(
      <LiveContext.Provider value={bus}>
        <Approvals />
      </LiveContext.Provider>,
    );
    const waiting = await screen.findByText(/Task 11 \(deploy\)/);
    const li = waiting.closest('li')!;
    expect(within(li).getByRole('link', { name: 'run 3' }).getAttribute('href')).toBe('#/runs/3');
    const table = screen.getByRole('table', { name: 'Decided approvals' });
    expect(within(table).getByTestId('decided-by').textContent).toBe('ann');
    expect(table.textContent).toContain('Task 10 (plan)');
    // Only the two list reads: no read per approval, no task scan.
    expect(fetchMock.mock.calls.map((c) => c[0]).sort()).toEqual([
      '/approvals?limit=200',
      '/approvals?status=pending&limit=10000',
    ]);

    fireEvent.change(within(li).getByLabelText('Comment for approval 2'), { target: { value: 'go' } });
    fireEvent.click(within(li).getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(posts).toEqual([['/approvals/2/approve', { actor: 'operator', comment: 'go' }]]),
    );

    pending = [];
    act(() => bus.publish({ id: 9, event_type: 'approval.approved', run_id: 3, task_id: 11 } as EventRecord));
    expect(await screen.findByText('Nothing waiting for approval.')).toBeTruthy();
  });
});
