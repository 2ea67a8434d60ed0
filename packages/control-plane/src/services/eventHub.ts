/**
 * The live event stream (`GET /events/stream`, server-sent events). Every client has a cursor: the id
 * of the last durable event it was sent. After each commit the hub reads the new events ONCE into a
 * bounded in-memory window (each serialized once) and serves every client from it; a client behind
 * the window (it reconnected with an old `Last-Event-ID`, or it was slow) catches up from the store
 * page by page first. So a client that reconnects gets exactly the events it missed, in order, none
 * twice; and a client never holds more than one socket buffer of ours. A client that stays blocked
 * (its socket does not drain) longer than `slowClientMs` is dropped with a final `error` message.
 */
import { eventsAfter, maxEventId, type StreamFilter } from '../store/ops/events.js';
import type { Store } from '../store/sql.js';
import type { Logger } from '../lib/logger.js';

/** What the hub writes to: a Node ServerResponse (or a test double). */
export interface StreamSink {
  write(chunk: string): boolean;
  end(chunk?: string): void;
  once(event: 'drain' | 'close', fn: () => void): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

export interface HubOptions {
  /** Events kept in memory for serving clients (newest). */
  windowSize: number;
  /** Rows read per store query (hub refresh and catch-up pages). */
  pageSize: number;
  heartbeatMs: number;
  slowClientMs: number;
  maxClients: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  windowSize: 5000,
  pageSize: 500,
  heartbeatMs: 15_000,
  slowClientMs: 10_000,
  maxClients: 1000,
};

interface Frame {
  id: number;
  run_id: number | null;
  task_id: number | null;
  event_type: string;
  text: string;
}

interface Client {
  filter: StreamFilter;
  cursor: number;
  sink: StreamSink;
  blockedSince: number | null;
  catchingUp: boolean;
  closed: boolean;
}

type Row = Awaited<ReturnType<typeof eventsAfter>>[number];

function frameOf(r: Row): Frame {
  // The payload is stored as JSON text: spliced in as is, never parsed and serialized again.
  const data =
    `{"id":${r.id},"contract_version":"v1","event_type":${JSON.stringify(r.event_type)},` +
    `"run_id":${r.run_id ?? 'null'},"task_id":${r.task_id ?? 'null'},` +
    `"producer_role":${JSON.stringify(r.producer_role)},"payload":${r.payload || '{}'},` +
    `"created_at":${JSON.stringify(r.created_at)}}`;
  return {
    id: r.id,
    run_id: r.run_id,
    task_id: r.task_id,
    event_type: r.event_type,
    text: `id: ${r.id}\ndata: ${data}\n\n`,
  };
}

function matches(f: StreamFilter, e: Frame): boolean {
  return (
    (f.run_id === undefined || e.run_id === f.run_id) &&
    (f.task_id === undefined || e.task_id === f.task_id) &&
    (!f.type_prefix || e.event_type.startsWith(f.type_prefix))
  );
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private window: Frame[] = [];
  /** Id of the newest event read from the store (the window ends there). */
  private head = 0;
  private started = false;
  private refreshing = false;
  private again = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly opts: HubOptions;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    opts: Partial<HubOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_HUB_OPTIONS, ...opts };
  }

  get size(): number {
    return this.clients.size;
  }

  /** The newest durable event id (for a client that asks for new events only). */
  async currentHead(): Promise<number> {
    await this.start();
    return this.head;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.head = await this.store.read((sql) => maxEventId(sql));
    this.unsubscribe = this.store.onCommit(() => this.schedule());
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Attach a client that has seen every event up to `afterId`; null when the hub is full (the caller
   * answers 503).
   */
  async attach(sink: StreamSink, filter: StreamFilter, afterId: number | null): Promise<boolean> {
    await this.start();
    if (this.clients.size >= this.opts.maxClients) return false;
    if (this.clients.size === 0 && !this.refreshing) {
      // Idle, the window went stale: start it afresh at the store's newest event (older cursors
      // catch up from the store), so it stays one contiguous range.
      this.head = await this.store.read((sql) => maxEventId(sql));
      this.window = [];
    }
    const c: Client = {
      filter,
      cursor: afterId ?? this.head,
      sink,
      blockedSince: null,
      catchingUp: false,
      closed: false,
    };
    this.clients.add(c);
    sink.once('close', () => this.detach(c));
    sink.write(`retry: 1000\n: connected, after ${c.cursor}\n\n`);
    void this.serve(c);
    return true;
  }

  /** Close every stream (API shutdown). */
  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.unsubscribe?.();
    for (const c of [...this.clients]) {
      c.sink.end(': the API is stopping\n\n');
      this.detach(c);
    }
  }

  private detach(c: Client): void {
    c.closed = true;
    this.clients.delete(c);
  }

  private schedule(): void {
    if (this.clients.size === 0) return;
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    setImmediate(() => void this.refresh());
  }

  /** Read what was committed since `head` into the window, then serve every live client from it. */
  private async refresh(): Promise<void> {
    try {
      do {
        this.again = false;
        for (let i = 0; i < 1000; i++) {
          const rows = await this.store.read((sql) => eventsAfter(sql, this.head, this.opts.pageSize));
          if (rows.length === 0) break;
          this.window.push(...rows.map(frameOf));
          this.head = rows[rows.length - 1]!.id;
          if (rows.length < this.opts.pageSize) break;
        }
        if (this.window.length > this.opts.windowSize)
          this.window = this.window.slice(this.window.length - this.opts.windowSize);
        for (const c of this.clients) if (!c.catchingUp) this.serveFromWindow(c);
      } while (this.again);
    } catch (err) {
      this.logger.warn({ err }, 'event stream: reading new events failed; retried at the next commit');
    } finally {
      this.refreshing = false;
    }
  }

  /** The oldest id the window can serve from: a cursor before it must catch up from the store. */
  private windowFloor(): number {
    return this.window.length ? this.window[0]!.id - 1 : this.head;
  }

  private async serve(c: Client): Promise<void> {
    if (c.cursor < this.windowFloor()) await this.catchUp(c);
    if (!c.closed && !c.catchingUp) this.serveFromWindow(c);
  }

  /** Page through the store until the cursor reaches the window (it may move meanwhile). */
  private async catchUp(c: Client): Promise<void> {
    c.catchingUp = true;
    try {
      for (let i = 0; i < 100_000 && !c.closed && c.cursor < this.windowFloor(); i++) {
        const upTo = this.windowFloor();
        const rows = await this.store.read((sql) => eventsAfter(sql, c.cursor, this.opts.pageSize, c.filter));
        const page = rows.filter((r) => r.id <= upTo);
        for (const r of page) if (!this.send(c, frameOf(r))) break;
        if (c.closed || c.blockedSince !== null) return;
        // Every event of ours up to the window's floor was sent: the cursor jumps to the floor.
        if (rows.length < this.opts.pageSize || page.length < rows.length)
          c.cursor = Math.max(c.cursor, upTo);
      }
    } catch (err) {
      this.logger.warn({ err }, 'event stream: catch-up read failed; the client is dropped');
      this.drop(c, 'STORE_UNAVAILABLE', 'reading the missed events failed; reconnect with Last-Event-ID');
    } finally {
      c.catchingUp = false;
    }
  }

  private serveFromWindow(c: Client): void {
    if (c.closed || c.blockedSince !== null) return;
    if (c.cursor < this.windowFloor()) {
      void this.serve(c);
      return;
    }
    for (const e of this.window) {
      if (e.id <= c.cursor) continue;
      if (!this.send(c, e)) return;
    }
    if (c.cursor < this.head) c.cursor = this.head;
  }

  /** Write one event (if it matches) and move the cursor; false when the socket is full (then wait). */
  private send(c: Client, e: Frame): boolean {
    if (matches(c.filter, e) && !c.sink.write(e.text)) {
      c.cursor = e.id;
      this.block(c);
      return false;
    }
    c.cursor = e.id;
    return true;
  }

  private block(c: Client): void {
    c.blockedSince = this.now();
    c.sink.once('drain', () => {
      c.blockedSince = null;
      if (!c.closed) void this.serve(c);
    });
  }

  private beat(): void {
    const now = this.now();
    for (const c of [...this.clients]) {
      if (c.blockedSince !== null && now - c.blockedSince > this.opts.slowClientMs) {
        this.drop(c, 'STREAM_CLIENT_TOO_SLOW', `the client read nothing for ${this.opts.slowClientMs} ms`);
        continue;
      }
      if (c.blockedSince === null) c.sink.write(': heartbeat\n\n');
    }
    // A commit notification is never missed, but a failed refresh is retried here.
    this.schedule();
  }

  private drop(c: Client, code: string, message: string): void {
    this.logger.info({ code, cursor: c.cursor }, `event stream client dropped: ${message}`);
    c.sink.end(`event: error\ndata: ${JSON.stringify({ code, message, last_event_id: c.cursor })}\n\n`);
    this.detach(c);
  }
}
