/**
 * One event stream for the whole panel; views subscribe with a predicate and refetch what an event
 * touches. Events that arrive together (one network chunk, one task of the event loop) fire each
 * subscriber once; `useResource` then folds what arrives during its fetch into one more fetch.
 */
import type { EventRecord } from './types';

type Sub = { match: (e: EventRecord) => boolean; fire: () => void };

export class LiveBus {
  private subs = new Set<Sub>();
  private pending = new Set<Sub>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly coalesceMs = 0) {}

  subscribe(match: (e: EventRecord) => boolean, fire: () => void): () => void {
    const sub = { match, fire };
    this.subs.add(sub);
    return () => {
      this.subs.delete(sub);
      this.pending.delete(sub);
    };
  }

  publish(e: EventRecord): void {
    for (const s of this.subs) if (s.match(e)) this.pending.add(s);
    if (this.pending.size > 0 && this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.coalesceMs);
    }
  }

  /** After a reconnect the missed events are replayed, but a view may also refetch everything. */
  refreshAll(): void {
    for (const s of this.subs) this.pending.add(s);
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.coalesceMs);
  }

  private flush(): void {
    this.timer = null;
    const due = [...this.pending];
    this.pending.clear();
    for (const s of due) s.fire();
  }
}

export function parseEvent(data: string): EventRecord | null {
  try {
    const e = JSON.parse(data) as EventRecord;
    return typeof e === 'object' && e !== null && typeof e.event_type === 'string' ? e : null;
  } catch {
    return null;
  }
}
