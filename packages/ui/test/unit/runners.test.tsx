import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { seenAgo, STALE_AFTER_MS } from '../../src/components/LastSeen';
import { LiveContext } from '../../src/lib/hooks';
import { LiveBus } from '../../src/lib/live';
import type { EventRecord, RunnerView } from '../../src/lib/types';
import { Runners } from '../../src/pages/Runners';
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

describe('runners page last seen', () => {
  let runners: RunnerView[];
  let calls: ReturnType<typeof mockApi>;
  beforeEach(() => {
    // Only the interval and the clock are fake: Testing Library's waits keep real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(T0);
    runners = [runner(1), runner(2, { liveness: 'unreachable', last_seen_at: null })];
    calls = mockApi((url) => {
      if (url === '/runners') return json(runners);
      if (url === '/tasks?limit=5000') return json([]);
      return undefined;
    });
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('counts the age up every second on the local clock, marks it stale past the threshold, and never refetches for it', async () => {
    const bus = new LiveBus(1);
    render(
      <LiveContext.Provider value={bus}>
        <Runners />
      </LiveContext.Provider>,
    );
    await waitFor(() => expect(seen(1)).toBe('seen 3 s ago'));
    expect(seen(2)).toBe('—');
    const fetches = calls.length;

    act(() => vi.advanceTimersByTime(1_000));
    expect(seen(1)).toBe('seen 4 s ago');
    act(() => vi.advanceTimersByTime(STALE_AFTER_MS - 4_000));
    expect(seen(1)).toBe(`seen ${STALE_AFTER_MS / 1000} s ago`);
    expect(screen.queryByText('stale')).toBeNull();
    act(() => vi.advanceTimersByTime(1_000));
    expect(seen(1)).toBe(`seen ${STALE_AFTER_MS / 1000 + 1} s ago stale`);
    expect(screen.getByText('stale').className).toBe('stale');
    // Thirty-odd ticks cost no request: the clock is local.
    expect(calls.length).toBe(fetches);

    // A liveness event refetches the list; the fresh last_seen_at starts the count again.
    runners = [runner(1, { last_seen_at: iso(Date.now() - 1_000) }), runners[1]!];
    act(() => bus.publish({ id: 1, event_type: 'runner.reachable', runner_id: 1 } as unknown as EventRecord));
    await waitFor(() => expect(seen(1)).toBe('seen 1 s ago'));
    expect(calls.filter((c) => c.url === '/runners')).toHaveLength(2);
  });

  it('runs no clock when no runner has a last-seen time', async () => {
    runners = [runner(3, { last_seen_at: null })];
    render(<Runners />);
    await waitFor(() => expect(seen(3)).toBe('—'));
    expect(vi.getTimerCount()).toBe(0);
  });
});
