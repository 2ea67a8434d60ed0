/**
 * Time is injected. Wall time (`now()`, ms since epoch) stamps records; `monotonic()` measures leases
 * and timeouts inside one process. Tests use `FakeClock` and move it instead of sleeping.
 */
export interface Clock {
  now(): number;
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export class FakeClock implements Clock {
  private wall: number;
  private mono = 0;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.wall = start;
  }
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** The wall clock alone jumps (an NTP step, an operator); real time does not pass. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}

let lastMs = Number.NaN;
let lastIso = '';

/** ISO-8601 of a wall time. One transaction formats the same millisecond many times: the last is kept. */
export function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
