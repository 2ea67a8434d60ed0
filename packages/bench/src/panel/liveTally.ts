/** B15's accounting (pure): which changes the page showed, and how long after the API answered. */
export interface LiveTally {
  changes: number;
  observed: number;
  /** Up to 20 ids the page never showed. */
  missing_ids: number[];
  /** Shown − answered (ms) of every observed change, in the order of `acks`. */
  latencies_ms: number[];
}

/**
 * `acks`: run id → `Date.now()` in the bench when the API answered the change; `seen`: run id (as the
 * page's attribute text) → `Date.now()` in the page when the row first appeared. Both clocks are the
 * machine's wall clock.
 */
export function tallyLive(
  acks: ReadonlyMap<number, number>,
  seen: Readonly<Record<string, number>>,
): LiveTally {
  const latencies: number[] = [];
  const missing: number[] = [];
  for (const [id, ack] of acks) {
    const t = seen[String(id)];
    if (t === undefined) missing.push(id);
    else latencies.push(t - ack);
  }
  return {
    changes: acks.size,
    observed: latencies.length,
    missing_ids: missing.slice(0, 20),
    latencies_ms: latencies,
  };
}
