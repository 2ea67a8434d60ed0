import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError } from './api';
import { LiveBus } from './live';
import type { EventRecord } from './types';

export const LiveContext = createContext<LiveBus>(new LiveBus());

export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Fetch once, then again whenever an event matching `match` arrives on the live stream. A late answer
 * to an older request never overwrites a newer one.
 *
 * Live refetches are leading-edge: the first event fetches at once (no built-in delay), and events that
 * arrive while that fetch is in flight are folded into one more fetch when it ends. So a burst costs at
 * most two fetches per view, and a quiet stream shows each change after one round trip.
 */
export function useResource<T>(
  fetcher: () => Promise<T>,
  deps: unknown[],
  match: (e: EventRecord) => boolean,
): Resource<T> {
  const bus = useContext(LiveContext);
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const seq = useRef(0);
  const fetchRef = useRef(fetcher);
  fetchRef.current = fetcher;
  const matchRef = useRef(match);
  matchRef.current = match;
  const inFlight = useRef(false);
  const dirty = useRef(false);

  const load = useCallback(() => {
    const mine = ++seq.current;
    inFlight.current = true;
    dirty.current = false;
    const settle = () => {
      if (mine !== seq.current) return;
      inFlight.current = false;
      if (dirty.current) load();
    };
    fetchRef.current().then(
      (data) => {
        if (mine === seq.current) setState({ data, error: null, loading: false });
        settle();
      },
      (err: unknown) => {
        if (mine === seq.current)
          setState((s) => ({
            data: s.data,
            error: err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)),
            loading: false,
          }));
        settle();
      },
    );
  }, []);

  /** An event for this view: fetch now, or once more after the fetch in flight. */
  const onEvent = useCallback(() => {
    if (inFlight.current) dirty.current = true;
    else load();
  }, [load]);

  useEffect(() => {
    setState({ data: null, error: null, loading: true });
    load();
    return bus.subscribe((e) => matchRef.current(e), onEvent);
  }, [bus, load, onEvent, ...deps]);

  return { ...state, reload: load };
}

export const isType =
  (...prefixes: string[]) =>
  (e: EventRecord) =>
    prefixes.some((p) => e.event_type.startsWith(p));
