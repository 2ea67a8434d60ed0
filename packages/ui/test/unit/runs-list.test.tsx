import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord } from '../../src/lib/types';
import { pagerText } from '../../src/components/Pager';
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
    // The newer rows, ascending: their count is the offset, the (limit+1)-th the newer page's cursor.
    const newer = all.filter((id) => id >= before).reverse();
    const headers: Record<string, string> = {
      'x-total-count': String(all.length),
      'x-page-offset': String(newer.length),
    };
    if (older.length > limit) headers['x-next-before-id'] = String(page[page.length - 1]);
    if (newer.length > limit) headers['x-prev-before-id'] = String(newer[limit]);
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

  it('pages by the API headers (Newest / Newer / Older, position), keeps filters in the hash, and shows a new run live', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Runs />
      </LiveContext.Provider>,
    );
    await waitFor(() => expect(rowIds()).toHaveLength(50));
    expect(rowIds()[0]).toBe(120);
    expect(rowIds()[49]).toBe(71);
    expect(screen.getByTestId('runs-total').textContent).toBe('Runs 1–50 of 120 · page 1 of 3');
    const row = document.querySelector('tr[data-run="120"]')!;
    expect(within(row as HTMLElement).getByText('build')).toBeTruthy();
    expect(within(row as HTMLElement).getByText('alice')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Newest' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Newer' })).toBeNull();
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
    // The newer page is the newest (the API sent no x-prev-before-id).
    expect(screen.getByRole('link', { name: 'Newer' }).getAttribute('href')).toBe('#/runs');
    expect(screen.getByTestId('runs-total').textContent).toBe('Runs 51–100 of 120 · page 2 of 3');

    // The last page: no Older; Newer steps back one page by x-prev-before-id.
    act(() => {
      window.location.hash = '#/runs?before_id=21';
    });
    await waitFor(() => expect(rowIds()[0]).toBe(20));
    expect(rowIds()).toHaveLength(20);
    expect(screen.getByTestId('runs-total').textContent).toBe('Runs 101–120 of 120 · page 3 of 3');
    expect(screen.queryByRole('link', { name: 'Older' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Newer' }).getAttribute('href')).toBe('#/runs?before_id=71');

    // A filter goes into the hash and starts again at the newest page.
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() => expect(window.location.hash).toBe('#/runs?status=failed'));
    await waitFor(() => expect(rowIds()[0]).toBe(119));
    expect(calls.at(-1)!.url).toBe('/workflow-runs?limit=50&status=failed');
    expect(screen.getByTestId('runs-total').textContent).toBe('Runs 1–50 of 60 matching · page 1 of 2');
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
    expect(screen.getByTestId('runs-total').textContent).toBe('Runs 1–50 of 121 · page 1 of 3');

    // An older link followed after the new run: the page stands one row further down, and its
    // newer page (by the API's cursor) ends at the newest run but one.
    act(() => {
      window.location.hash = '#/runs?before_id=71';
    });
    await waitFor(() => expect(rowIds()[0]).toBe(70));
    expect(screen.getByTestId('runs-total').textContent).toBe('Runs 52–101 of 121 · page 3 of 4');
    expect(screen.getByRole('link', { name: 'Newer' }).getAttribute('href')).toBe('#/runs?before_id=121');
  });

  it('the pager text: grouped numbers, the filtered variant, and the count alone from an older API', () => {
    const at = { total: 10_000, offset: 50, shown: 50, limit: 50, filtered: false };
    expect(pagerText(['run', 'runs'], at)).toBe('Runs 51–100 of 10,000 · page 2 of 200');
    expect(pagerText(['task', 'tasks'], { ...at, offset: 9_950, filtered: true })).toBe(
      'Tasks 9,951–10,000 of 10,000 matching · page 200 of 200',
    );
    expect(pagerText(['run', 'runs'], { ...at, offset: null })).toBe('10,000 runs in all');
    expect(pagerText(['run', 'runs'], { ...at, total: 1, offset: null, filtered: true })).toBe('1 run match');
    expect(pagerText(['run', 'runs'], { ...at, total: 0, offset: 0, shown: 0 })).toBe('0 runs in all');
  });

  it('says when no run matches the filters', async () => {
    window.location.hash = '#/runs?status=paused';
    render(<Runs />);
    await screen.findByText('No run matches these filters.');
    expect(screen.queryByRole('link', { name: 'Older' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Clear filters' }).getAttribute('href')).toBe('#/runs');
  });
});
