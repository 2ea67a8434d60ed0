import { useEffect, useState } from 'react';

/**
 * Past this age a runner's last-seen time is marked stale, when the runner view does not say the API's
 * heartbeat timeout (`heartbeat_timeout_ms`, an older API).
 */
export const STALE_AFTER_MS = 30_000;

/** The local clock, re-read every `everyMs` while `active`: a re-render, never a fetch. */
export function useNow(active: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs]);
  return now;
}

/** "seen 3 s ago", "seen 4 min ago", "seen 2 h ago", "seen 3 d ago" (a clock ahead of ours: "0 s"). */
export function seenAgo(atIso: string, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - Date.parse(atIso)) / 1000));
  if (s < 60) return `seen ${s} s ago`;
  if (s < 3600) return `seen ${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `seen ${Math.floor(s / 3600)} h ago`;
  return `seen ${Math.floor(s / 86_400)} d ago`;
}

/**
 * A runner's last-seen age, counted on the local clock from the `last_seen_at` the panel last read (the
 * runners page re-reads the list every few seconds: heartbeats are not events). Stale: older than the
 * API's heartbeat timeout, i.e. the runner has been silent long enough to be marked unreachable.
 */
export function LastSeen({
  at,
  now,
  staleAfterMs = STALE_AFTER_MS,
}: {
  at: string | null;
  now: number;
  staleAfterMs?: number;
}) {
  if (!at || Number.isNaN(Date.parse(at))) return <>—</>;
  const stale = now - Date.parse(at) > staleAfterMs;
  return (
    <span data-testid="last-seen" title={`last seen at ${new Date(at).toLocaleString()}, as last read`}>
      {seenAgo(at, now)}
      {stale && (
        <>
          {' '}
          <span
            className="stale"
            title={`silent for more than ${staleAfterMs / 1000} s, the API's heartbeat timeout`}
          >
            stale
          </span>
        </>
      )}
    </span>
  );
}
