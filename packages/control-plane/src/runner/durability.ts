/**
 * A coalescing durability barrier. Writers call `wrote()` after each commit; `wait()` resolves once a
 * sync that STARTED after the caller's last commit has finished. One sync runs at a time: callers that
 * arrive while it runs, with commits it already covers, share it; callers whose commits came after it
 * started share the single next one. So N submits arriving together cost one or two syncs, not N.
 */
export class SyncBarrier {
  /** Commits noted so far, and how many of them the last finished sync covers. */
  private written = 0;
  private synced = 0;
  private current: { covers: number; done: Promise<void> } | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly sync: () => Promise<void>) {}

  wrote(): void {
    this.written++;
  }

  wait(): Promise<void> {
    const target = this.written;
    if (this.synced >= target) return Promise.resolve();
    if (this.current === null) return this.next ?? this.start();
    if (this.current.covers >= target) return this.current.done;
    // Our commit may have reached the file after the running sync was issued: wait for the next one.
    this.next ??= this.current.done
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const covers = this.written;
    const done = this.sync()
      .then(() => {
        if (covers > this.synced) this.synced = covers;
      })
      .finally(() => {
        if (this.current?.done === done) this.current = null;
      });
    this.current = { covers, done };
    return done;
  }
}
