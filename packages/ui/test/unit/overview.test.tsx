import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord, StuckTaskView } from '../../src/lib/types';
import { age, Overview, STUCK_REFRESH_MS } from '../../src/pages/Overview';
import { json, mockApi, runView, taskView } from './mockApi';

const stuckBuild: StuckTaskView = {
  task: taskView(12, { run_id: 4, step_id: 'build', status: 'dispatched', attempt: 1 }),
  reason: 'not-started',
  since: '2026-01-01T00:00:00Z',
  age_ms: 185_000,
  detail: 'dispatched to runner 2 and not running after 185 s',
};
const stuckMerge: StuckTaskView = {
  task: taskView(15, { run_id: 5, step_id: 'multyagents.merge', status: 'created' }),
  reason: 'not-dispatched',
  since: '2026-01-01T00:01:00Z',
  age_ms: 7_500_000,
  detail: 'ready, but no runner has the git-worktree capability',
};

describe('overview', () => {
  let stuck: StuckTaskView[];
  let calls: ReturnType<typeof mockApi>;
  beforeEach(() => {
    stuck = [stuckBuild, stuckMerge];
    calls = mockApi((url) => {
      if (url === '/workflow-runs/counts')
        return json({
          total: 10_000,
          by_status: { created: 0, running: 3, paused: 1, success: 9_000, failed: 996, aborted: 0 },
        });
      if (url === '/workflow-runs?status=failed&limit=20')
        return json(
          [runView(9_999, { status: 'failed', failure_triage_hints: ['the agent exited with code 1'] })],
          200,
          { 'x-total-count': '996', 'x-next-before-id': '9999' },
        );
      if (url === '/tasks/stuck') return json(stuck);
      if (url === '/approvals?status=pending&limit=100')
        return json([
          { id: 3, task_id: 20, run_id: 6, step_id: 'deploy', task_title: 'Deploy', status: 'pending' },
        ]);
      if (url === '/runners') return json([]);
      return undefined;
    });
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('counts runs with one call (never a list of every run) and lists stuck tasks with reason, age, detail and run', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Overview />
      </LiveContext.Provider>,
    );
    await waitFor(() => expect(screen.getByTestId('count-success').textContent).toBe('success 9000'));
    expect(screen.getByTestId('count-total').textContent).toBe('total 10000');
    expect(screen.getByTestId('count-created').textContent).toBe('created 0');
    // Runs are only ever asked for the newest failed ones, by status and with a small limit.
    const runCalls = calls.filter((c) => c.url.startsWith('/workflow-runs'));
    expect(runCalls.map((c) => c.url).sort()).toEqual([
      '/workflow-runs/counts',
      '/workflow-runs?status=failed&limit=20',
    ]);
    await screen.findByText('the agent exited with code 1');
    const approval = await screen.findByRole('link', { name: 'Task 20 (deploy)' });
    expect(approval.closest('li')!.textContent).toBe('Task 20 (deploy) of run 6');
    // Neither runs nor tasks are listed wholesale.
    expect(calls.some((c) => c.url.startsWith('/tasks?'))).toBe(false);
    expect(screen.getByText(/newest 1 of 996/)).toBeTruthy();

    const table = await screen.findByRole('table', { name: 'Stuck tasks' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      [
        'Task 12 (build) dispatched',
        'Run 4',
        'not-started',
        '3 min 5 s',
        'dispatched to runner 2 and not running after 185 s',
      ],
      [
        'Task 15 (multyagents.merge) created',
        'Run 5',
        'not-dispatched',
        '2 h 5 min',
        'ready, but no runner has the git-worktree capability',
      ],
    ]);
    expect(within(rows[0]!).getByRole('link', { name: 'Run 4' }).getAttribute('href')).toBe('#/runs/4');

    // The stuck task starts: an event of it refetches the list, and the entry is gone.
    stuck = [stuckMerge];
    act(() =>
      bus.publish({ id: 3, event_type: 'task.runner_status_updated', run_id: 4, task_id: 12 } as EventRecord),
    );
    await waitFor(() => expect(document.querySelector('tr[data-stuck="12"]')).toBeNull());
    expect(document.querySelector('tr[data-stuck="15"]')).not.toBeNull();
  });

  it('refetches the stuck list as time passes, without any event (stuck means nothing happens)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    stuck = [];
    render(<Overview />);
    await screen.findByText('No stuck tasks.');
    const before = calls.filter((c) => c.url === '/tasks/stuck').length;
    stuck = [stuckBuild];
    await act(async () => {
      await vi.advanceTimersByTimeAsync(STUCK_REFRESH_MS);
    });
    await waitFor(() => expect(document.querySelector('tr[data-stuck="12"]')).not.toBeNull());
    expect(calls.filter((c) => c.url === '/tasks/stuck').length).toBe(before + 1);
  });

  it('shows an API error with its code where the stuck list would be', async () => {
    vi.unstubAllGlobals();
    mockApi((url) =>
      url === '/tasks/stuck'
        ? json({ code: 'VALIDATION_ERROR', detail: 'older_than_s: too small' }, 422)
        : url === '/workflow-runs/counts'
          ? json({ total: 0, by_status: {} })
          : json([]),
    );
    render(<Overview />);
    const alert = await screen.findByText('VALIDATION_ERROR');
    expect(alert.closest('[role=alert]')!.textContent).toBe('VALIDATION_ERROR older_than_s: too small');
  });
});

describe('age', () => {
  it('reads as seconds, minutes, hours or days', () => {
    expect([0, 59_999, 60_000, 3_599_000, 3_600_000, 172_800_000].map(age)).toEqual([
      '0 s',
      '59 s',
      '1 min 0 s',
      '59 min 59 s',
      '1 h 0 min',
      '2 d 0 h',
    ]);
  });
});
