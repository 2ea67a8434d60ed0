/** What the stream clients received, against the events the API acknowledged (pure). */

/** One client's receipts in arrival order: [event id, receive time ms]. */
export type Receipts = ReadonlyArray<readonly [number, number]>;

export interface FanoutTally {
  clients: number;
  events: number;
  /** events × clients: what every client should have received exactly once. */
  expected: number;
  /** First receipts of acknowledged events. */
  deliveries: number;
  missing: number;
  /** Receipts of an event the same client had already received. */
  duplicated: number;
  /** Receipts of an event with a smaller id than one the client received before it. */
  out_of_order: number;
  /** Receipts of ids that were never acknowledged in this phase. */
  unexpected: number;
  /** Receive time − acknowledgement time of every first receipt (ms, unsorted). */
  latencies_ms: number[];
}

/** `acks`: event id → the time its create was answered (after its commit), on the clients' clock. */
export function tallyFanout(acks: ReadonlyMap<number, number>, perClient: readonly Receipts[]): FanoutTally {
  const latencies: number[] = [];
  let duplicated = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  for (const receipts of perClient) {
    const seen = new Set<number>();
    let last = -Infinity;
    for (const [id, t] of receipts) {
      const ack = acks.get(id);
      if (ack === undefined) {
        unexpected++;
        continue;
      }
      if (seen.has(id)) {
        duplicated++;
        continue;
      }
      if (id < last) outOfOrder++;
      last = Math.max(last, id);
      seen.add(id);
      latencies.push(t - ack);
    }
  }
  const expected = acks.size * perClient.length;
  return {
    clients: perClient.length,
    events: acks.size,
    expected,
    deliveries: latencies.length,
    missing: expected - latencies.length,
    duplicated,
    out_of_order: outOfOrder,
    unexpected,
    latencies_ms: latencies,
  };
}
