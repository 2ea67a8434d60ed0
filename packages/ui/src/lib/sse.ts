/**
 * A server-sent-events reader over `fetch`: EventSource cannot send the operator token header.
 * `SseParser` is the pure frame parser (the text/event-stream grammar); `startEventStream` reads
 * `GET /events/stream`, and on any end or error reconnects with `Last-Event-ID` (the API then replays
 * exactly the events missed, in order), waiting a growing delay between tries.
 */

export interface SseFrame {
  /** The `id:` field of this frame, or null when it had none. */
  id: string | null;
  event: string;
  data: string;
}

/** Feed chunks of text in any split; complete frames come out. Comments (`: ...`) are dropped. */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  /** The last `id:` seen: what a reconnect sends as Last-Event-ID. */
  lastEventId: string | null = null;
  /** The server's `retry:` advice in ms, if it gave one. */
  retryMs: number | null = null;

  feed(chunk: string): SseFrame[] {
    this.buf += chunk;
    const out: SseFrame[] = [];
    // A line ends at \n, \r\n or \r; a trailing \r may be half of a \r\n still to come.
    for (let guard = 0; guard < 1_000_000; guard++) {
      const m = /\r\n|\n|\r/.exec(this.buf);
      if (!m) break;
      if (m[0] === '\r' && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      const frame = this.line(line);
      if (frame) out.push(frame);
    }
    return out;
  }

  private line(line: string): SseFrame | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        this.id = null;
        return null;
      }
      const frame = { id: this.id, event: this.event || 'message', data: this.data.join('\n') };
      this.data = [];
      this.event = '';
      this.id = null;
      return frame;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) {
      this.id = value;
      this.lastEventId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }
}

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'stopped';

export interface StreamOptions {
  url: string;
  token: string | null;
  onFrame: (frame: SseFrame) => void;
  onState?: (state: StreamState, detail?: string) => void;
  /** Resume point for the first connection. */
  lastEventId?: string | null;
  fetchImpl?: typeof fetch;
  /** Delay before reconnect number `n` (1-based); default 500 ms doubling to 10 s. */
  backoffMs?: (n: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Stop after this many connection attempts (tests); unbounded by default, until stop(). */
  maxConnects?: number;
}

export interface StreamHandle {
  stop(): void;
  /** Resolves when the reader loop has ended (after stop(), a 401, or maxConnects). */
  done: Promise<void>;
  lastEventId(): string | null;
}

const defaultBackoff = (n: number) => Math.min(10_000, 500 * 2 ** Math.min(n - 1, 5));

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export function startEventStream(opts: StreamOptions): StreamHandle {
  const ctl = new AbortController();
  const fetchImpl = opts.fetchImpl ?? fetch.bind(globalThis);
  const backoff = opts.backoffMs ?? defaultBackoff;
  const sleep = opts.sleep ?? defaultSleep;
  const max = opts.maxConnects ?? Number.POSITIVE_INFINITY;
  let lastId = opts.lastEventId ?? null;
  const state = (s: StreamState, detail?: string) => opts.onState?.(s, detail);

  const loop = async () => {
    let failures = 0;
    for (let n = 0; n < max && !ctl.signal.aborted; n++) {
      state(n === 0 ? 'connecting' : 'reconnecting');
      const parser = new SseParser();
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (opts.token) headers.authorization = `Bearer ${opts.token}`;
        if (lastId !== null) headers['last-event-id'] = lastId;
        const res = await fetchImpl(opts.url, { headers, signal: ctl.signal, cache: 'no-store' });
        if (res.status === 401) {
          state('unauthorized');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        state('open');
        failures = 0;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const frame of parser.feed(decoder.decode(value, { stream: true }))) {
            if (frame.id !== null) lastId = frame.id;
            opts.onFrame(frame);
          }
        }
      } catch (err) {
        if (ctl.signal.aborted) break;
        state('reconnecting', err instanceof Error ? err.message : String(err));
      }
      if (ctl.signal.aborted) break;
      failures++;
      await sleep(
        parser.retryMs !== null ? Math.max(parser.retryMs, backoff(failures)) : backoff(failures),
        ctl.signal,
      );
    }
    state('stopped');
  };
  const done = loop();
  return { stop: () => ctl.abort(), done, lastEventId: () => lastId };
}
