import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord } from '../../src/lib/types';
import { Runs } from '../../src/pages/Runs';
import { json, mockApi, runView } from './mockApi';

/** A store of `newest` runs, ids 1..newest; the mock pages it as the API does (keyset, newest first). */
function pagedRuns(newest: () => number) {
  return (url: string) => {
    const u = new URL(url, 'http://x');
    if (u.pathname === '/workflow-templates') return json([{ id: 1, name: 'build' }]);
    if (u.pathname !== '/workflow-runs') return undefined;
    const limit = Number(u.searchParams.get('limit'));
    const before = Number(u.searchParams.get('before_id') ?? Infinity);
    const status = u.searchParams.get('status');
    const all = Array.from({ length: newest() }, (_, i) => newest() - i).filter(
      (id) => !status || (id % 2 === 0 ? 'success' : 'failed') === status,
    );
    const older = all.filter((id) => id < before);
    const page = older.slice(0, limit);
    const headers: Record<string, string> = { 'x-total-count': String(all.length) };
    if (older.length > limit) headers['x-next-before-id'] = String(page[page.length - 1]);
    return json(
      page.map((id) =>
        runView(id, {
          status: id % 2 === 0 ? 'success' : 'failed',
          initiated_by: id === 120 ? 'alice' : null,
        }),
      ),
      200,
      headers,
    );
  };
}

const rowIds = () =>
  [...document.querySelectorAll('tr[data-run]')].map((r) => Number(r.getAttribute('data-run')));

describe('runs list', () => {
  let newest = 120;
  let calls: ReturnType<typeof mockApi>;
  beforeEach(() => {
    newest = 120;
    window.location.hash = '#/runs';
    calls = mockApi(pagedRuns(() => newest));
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    window.location.hash = '';
  });

  it('pages by the API headers (Older / Newest, total), keeps filters in the hash, and shows a new run live', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Runs />
      </LiveContext.Provider>,
    );
    await waitFor(() => expect(rowIds()).toHaveLength(50));
    expect(rowIds()[0]).toBe(120);
    expect(rowIds()[49]).toBe(71);
    expect(screen.getByTestId('runs-total').textContent).toBe('120 runs in all');
    const row = document.querySelector('tr[data-run="120"]')!;
    expect(within(row as HTMLElement).getByText('build')).toBeTruthy();
    expect(within(row as HTMLElement).getByText('alice')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Newest' })).toBeNull();
    const older = screen.getByRole('link', { name: 'Older' });
    expect(older.getAttribute('href')).toBe('#/runs?before_id=71');

    // The older page: asked with the cursor from the header.
    act(() => {
      window.location.hash = older.getAttribute('href')!;
    });
    await waitFor(() => expect(rowIds()[0]).toBe(70));
    expect(calls.at(-1)!.url).toBe('/workflow-runs?limit=50&before_id=71');
    expect(screen.getByRole('link', { name: 'Older' }).getAttribute('href')).toBe('#/runs?before_id=21');
    expect(screen.getByRole('link', { name: 'Newest' }).getAttribute('href')).toBe('#/runs');

    // A filter goes into the hash and starts again at the newest page.
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() => expect(window.location.hash).toBe('#/runs?status=failed'));
    await waitFor(() => expect(rowIds()[0]).toBe(119));
    expect(calls.at(-1)!.url).toBe('/workflow-runs?limit=50&status=failed');
    expect(screen.getByTestId('runs-total').textContent).toBe('60 runs match');
    fireEvent.change(screen.getByLabelText('Initiated by'), { target: { value: 'alice' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(window.location.hash).toBe('#/runs?status=failed&initiated_by=alice'));
    await waitFor(() =>
      expect(calls.at(-1)!.url).toBe('/workflow-runs?limit=50&status=failed&initiated_by=alice'),
    );

    // Back on the first page, unfiltered: a run created elsewhere appears from the event stream alone.
    act(() => {
      window.location.hash = '#/runs';
    });
    await waitFor(() => expect(rowIds()[0]).toBe(120));
    newest = 121;
    act(() =>
      bus.publish({ id: 1, event_type: 'workflow_run.created', run_id: 121, task_id: null } as EventRecord),
    );
    await waitFor(() => expect(rowIds()[0]).toBe(121));
    expect(rowIds()).toHaveLength(50);
    expect(screen.getByTestId('runs-total').textContent).toBe('121 runs in all');
  });

  it('says when no run matches the filters', async () => {
    window.location.hash = '#/runs?status=paused';
    render(<Runs />);
    await screen.findByText('No run matches these filters.');
    expect(screen.queryByRole('link', { name: 'Older' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Clear filters' }).getAttribute('href')).toBe('#/runs');
  });
});
