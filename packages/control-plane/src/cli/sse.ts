/**
 * A client of our server-sent event stream (`GET /events/stream`) over undici: parses the frames,
 * remembers the last event id and reconnects with `Last-Event-ID` after a dropped connection, so the
 * caller sees every event once, in order. Used by `multyagents watch` and `run`.
 */
import { request } from 'undici';

export interface SseEvent {
  id: number | null;
  event: string;
  data: string;
}

/** Incremental parser: feed text chunks, get whole frames (comments and `retry:` are skipped). */
export class SseParser {
  private buf = '';
  feed(chunk: string): SseEvent[] {
    this.buf += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) break;
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      let id: number | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id' && /^\d+$/.test(value)) id = Number(value);
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length) out.push({ id, event, data: data.join('\n') });
    }
    return out;
  }
}

export interface FollowOptions {
  baseUrl: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  afterId?: number | null;
  /** Stop when this returns true (checked after each event). */
  onEvent: (e: SseEvent) => boolean | Promise<boolean>;
  /** Reconnect attempts after a dropped stream before giving up. */
  maxReconnects?: number;
  signal?: AbortSignal;
  /** Called each time the stream is (re)opened, with the id it resumes after. */
  onOpen?: (afterId: number | null) => void;
}

/** Follow the stream until `onEvent` says stop; reconnects from the last id. Returns that id. */
export async function followEvents(o: FollowOptions): Promise<number | null> {
  let last = o.afterId ?? null;
  let failures = 0;
  for (;;) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    try {
      const res = await request(`${o.baseUrl}/events/stream?${qs}`, {
        headers: {
          accept: 'text/event-stream',
          ...(o.headers ?? {}),
          ...(last !== null ? { 'last-event-id': String(last) } : {}),
        },
        signal: o.signal,
        bodyTimeout: 0,
      });
      if (res.statusCode !== 200) {
        const text = await res.body.text();
        throw Object.assign(new Error(`event stream answered ${res.statusCode}: ${text.slice(0, 300)}`), {
          status: res.statusCode,
        });
      }
      failures = 0;
      o.onOpen?.(last);
      const parser = new SseParser();
      res.body.setEncoding('utf8');
      for await (const chunk of res.body) {
        for (const e of parser.feed(chunk as string)) {
          if (e.event === 'error') throw new Error(`event stream closed by the API: ${e.data}`);
          if (e.id !== null) last = e.id;
          if (await o.onEvent(e)) {
            res.body.destroy();
            return last;
          }
        }
      }
    } catch (err) {
      if (o.signal?.aborted) return last;
      const status = (err as { status?: number }).status;
      if (status !== undefined && status < 500) throw err;
      if (++failures > (o.maxReconnects ?? 30)) throw err;
    }
    await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(failures, 5))));
  }
}
