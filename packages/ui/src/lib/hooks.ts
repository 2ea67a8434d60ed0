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

  const load = useCallback(() => {
    const mine = ++seq.current;
    fetchRef.current().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (err: unknown) =>
        mine === seq.current &&
        setState((s) => ({
          data: s.data,
          error: err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)),
          loading: false,
        })),
    );
  }, []);

  useEffect(() => {
    setState({ data: null, error: null, loading: true });
    load();
    return bus.subscribe((e) => matchRef.current(e), load);
  }, [bus, load, ...deps]);

  return { ...state, reload: load };
}

export const isType =
  (...prefixes: string[]) =>
  (e: EventRecord) =>
    prefixes.some((p) => e.event_type.startsWith(p));
