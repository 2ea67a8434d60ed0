import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { seenAgo } from '../../src/components/LastSeen';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord, RunnerView } from '../../src/lib/types';
import { isLost, Runners, RUNNERS_REREAD_MS } from '../../src/pages/Runners';
import { json, mockApi } from './mockApi';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function runner(id: number, over: Partial<RunnerView> = {}): RunnerView {
  return {
    id,
    name: `r${id}`,
    url: `http://127.0.0.1:4900${id}`,
    capacity: 4,
    labels: [],
    executor: 'mock',
    liveness: 'online',
    last_seen_at: iso(T0 - 3_000),
    unreachable_since: null,
    draining: false,
    active_attempts: 0,
    ...over,
  };
}

const seen = (id: number) => document.querySelector(`tr[data-runner="${id}"] td:last-child`)!.textContent;

describe('seenAgo', () => {
  it('says the age in s, min, h or d, and 0 s for a time ahead of the local clock', () => {
    expect(seenAgo(iso(T0 - 3_400), T0)).toBe('seen 3 s ago');
    expect(seenAgo(iso(T0 - 59_999), T0)).toBe('seen 59 s ago');
    expect(seenAgo(iso(T0 - 60_000), T0)).toBe('seen 1 min ago');
    expect(seenAgo(iso(T0 - 2 * 3_600_000), T0)).toBe('seen 2 h ago');
    expect(seenAgo(iso(T0 - 3 * 86_400_000), T0)).toBe('seen 3 d ago');
    expect(seenAgo(iso(T0 + 5_000), T0)).toBe('seen 0 s ago');
  });
});

describe('runners page last seen and lost', () => {
  let runners: RunnerView[];
  let calls: ReturnType<typeof mockApi>;
  beforeEach(() => {
    // Only the interval and the clock are fake: Testing Library's waits keep real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(T0);
    runners = [
      runner(1, { heartbeat_timeout_ms: 10_000 }),
      runner(2, { liveness: 'unreachable', last_seen_at: null }),
    ];
    calls = mockApi((url) => {
      if (url === '/runners') return json(runners);
      if (url.startsWith('/tasks?status=')) return json([]);
      return undefined;
    });
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const reads = () => calls.filter((c) => c.url === '/runners').length;
  /**
   * Lets real time pass until `cond` holds (at most 5 s): waitFor polls with setInterval, which is faked
   * here, and one fixed pause is too short on a loaded machine.
   */
  const realWait = async (cond: () => boolean) => {
    for (let i = 0; i < 250 && !cond(); i++) await act(() => new Promise((r) => setTimeout(r, 20)));
  };

  it('counts the age up on the local clock, re-reads the list every few seconds, and marks silence past the heartbeat timeout stale', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Runners />
      </LiveContext.Provider>,
    );
    await waitFor(() => expect(seen(1)).toBe('seen 3 s ago'), { timeout: 5_000 });
    expect(seen(2)).toBe('—');
    // Held attempts: one indexed read per active status, not a scan of every task.
    expect(
      calls
        .filter((c) => c.url.startsWith('/tasks'))
        .map((c) => c.url)
        .sort(),
    ).toEqual([
      '/tasks?status=cancel-requested&limit=1000',
      '/tasks?status=dispatched&limit=1000',
      '/tasks?status=queued&limit=1000',
      '/tasks?status=running&limit=1000',
    ]);
    expect(reads()).toBe(1);
    // The rows' 1 s clocks start in effects, which React may run after the rows are in the DOM.
    await act(async () => {});

    act(() => vi.advanceTimersByTime(1_000));
    expect(seen(1)).toBe('seen 4 s ago');
    expect(reads()).toBe(1); // the 1 s clock only re-renders
    act(() => vi.advanceTimersByTime(RUNNERS_REREAD_MS - 1_000));
    await realWait(() => reads() === 2);
    expect(reads()).toBe(2);
    // The runner is silent (the same last_seen_at comes back): past 10 s it is stale.
    act(() => vi.advanceTimersByTime(3_000));
    expect(seen(1)).toBe('seen 11 s ago stale');
    expect(screen.getByText('stale').className).toBe('stale');

    // A heartbeat 1 s before the next read shows at that read: the count starts again.
    runners = [
      runner(1, { heartbeat_timeout_ms: 10_000, last_seen_at: iso(Date.now() + RUNNERS_REREAD_MS - 1_000) }),
      runners[1]!,
    ];
    act(() => vi.advanceTimersByTime(RUNNERS_REREAD_MS));
    await waitFor(() => expect(seen(1)).toBe('seen 1 s ago'), { timeout: 5_000 });
    // A liveness event reads it at once too.
    const before = reads();
    act(() => bus.publish({ id: 1, event_type: 'runner.reachable', runner_id: 1 } as unknown as EventRecord));
    await realWait(() => reads() === before + 1);
    expect(reads()).toBe(before + 1);
  });

  it('shows an unreachable runner lost once its lost grace has passed (the API says so, or the local clock passes lost_at)', async () => {
    runners = [
      runner(4, { liveness: 'unreachable', lost: false, lost_at: iso(T0 + 2_000) }),
      runner(5, { liveness: 'unreachable', lost: true, lost_at: iso(T0 - 1_000) }),
      runner(6, { liveness: 'online', lost: false, lost_at: null }),
    ];
    render(<Runners />);
    const liveness = (id: number) =>
      document.querySelector(`tr[data-runner="${id}"] td:nth-child(2)`)!.textContent;
    await waitFor(() => expect(liveness(4)).toBe('unreachable'));
    expect(liveness(5)).toBe('unreachable lost');
    expect(liveness(6)).toBe('online');
    act(() => vi.advanceTimersByTime(2_000));
    expect(liveness(4)).toBe('unreachable lost');
    expect(isLost(runners[0]!, T0 + 1_999)).toBe(false);
    expect(isLost(runners[0]!, T0 + 2_000)).toBe(true);
  });

  it('runs no clock and no re-read when no runner is registered', async () => {
    runners = [];
    render(<Runners />);
    await screen.findByText(/No runner registered/);
    expect(vi.getTimerCount()).toBe(0);
  });
});
