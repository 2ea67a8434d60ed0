/**
 * Hands each item to `due` once, between one and two ticks after it was added, with one timer for all
 * items (two buckets: what was added during the last tick, and before it). A busy runner adds an item
 * per attempt; a timer per attempt cost more than the attempt's journal write.
 */
export class Delayed<T> {
  private current: T[] = [];
  private previous: T[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tickMs: number,
    private readonly due: (item: T) => void,
  ) {}

  add(item: T): void {
    this.current.push(item);
    this.arm();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.tick(), this.tickMs);
    // Never what keeps a process alive: items are for attempts, which do.
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    const ready = this.previous;
    this.previous = this.current;
    this.current = [];
    if (this.previous.length > 0) this.arm();
    for (const item of ready) this.due(item);
  }
}
