import { describe, expect, it } from 'vitest';
import { SseParser, startEventStream, type SseFrame, type StreamState } from '../../src/lib/sse';

describe('SseParser', () => {
  it('parses frames split anywhere, with CRLF, comments, multi-line data, event names and retry', () => {
    const text =
      'retry: 1000\r\n: connected, after 3\r\n\r\nid: 4\r\ndata: {"a":1}\r\n\r\n' +
      'id: 5\nevent: error\ndata: line one\ndata:line two\n\n: heartbeat\n\nid: 6\rdata: x\r\r\n';
    // Every split point, including inside a \r\n pair.
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const frames = [...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))];
      expect(frames, `cut at ${cut}`).toEqual([
        { id: '4', event: 'message', data: '{"a":1}' },
        { id: '5', event: 'error', data: 'line one\nline two' },
        { id: '6', event: 'message', data: 'x' },
      ]);
      expect(p.lastEventId).toBe('6');
      expect(p.retryMs).toBe(1000);
    }
  });

  it('keeps an incomplete frame until its blank line arrives', () => {
    const p = new SseParser();
    expect(p.feed('id: 1\ndata: {"x"')).toEqual([]);
    expect(p.feed(':1}\n')).toEqual([]);
    expect(p.feed('\n')).toEqual([{ id: '1', event: 'message', data: '{"x":1}' }]);
  });
});

/** A fetch whose answers are scripted per connection; each call's headers are recorded. */
function scriptedFetch(answers: Array<(signal: AbortSignal) => Response | Promise<Response>>) {
  const calls: Array<Record<string, string>> = [];
  const impl = (async (_url: string, init: RequestInit) => {
    calls.push({ ...(init.headers as Record<string, string>) });
    const next = answers.shift();
    if (!next) return new Promise<Response>(() => {}); // no more scripted answers: hang until stopped
    return next(init.signal!);
  }) as unknown as typeof fetch;
  return { impl, calls };
}

/** A body that yields the chunks one read at a time, then ends or fails (a reset connection). */
const streamOf = (chunks: string[], thenError = false) => {
  const queue = [...chunks];
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        const next = queue.shift();
        if (next !== undefined) c.enqueue(new TextEncoder().encode(next));
        else if (thenError) c.error(new Error('socket reset'));
        else c.close();
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );
};

describe('startEventStream', () => {
  it('sends the token, reconnects after an end or a reset with Last-Event-ID, and delivers each event once', async () => {
    const { impl, calls } = scriptedFetch([
      () => streamOf(['retry: 10\n\nid: 1\ndata: a\n\nid: 2\nda', 'ta: b\n\n']),
      () => streamOf(['id: 3\ndata: c\n\n'], true),
      () => new Response('busy', { status: 503 }),
      () => streamOf(['id: 4\ndata: d\n\n']),
    ]);
    const frames: SseFrame[] = [];
    const states: StreamState[] = [];
    const sleeps: number[] = [];
    const h = startEventStream({
      url: '/events/stream',
      token: 'tok',
      fetchImpl: impl,
      onFrame: (f) => frames.push(f),
      onState: (s) => states.push(s),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      backoffMs: (n) => n * 100,
      maxConnects: 4,
    });
    await h.done;
    expect(frames.map((f) => f.data)).toEqual(['a', 'b', 'c', 'd']);
    expect(calls.map((c) => c.authorization)).toEqual([
      'Bearer tok',
      'Bearer tok',
      'Bearer tok',
      'Bearer tok',
    ]);
    expect(calls.map((c) => c['last-event-id'])).toEqual([undefined, '2', '3', '3']);
    expect(h.lastEventId()).toBe('4');
    // The delay grows while connections fail and starts over after one that opened.
    expect(sleeps).toEqual([100, 100, 200, 100]);
    expect(states[0]).toBe('connecting');
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('stopped');
  });

  it('stops on 401 and says so (the panel then asks for the token)', async () => {
    const { impl, calls } = scriptedFetch([() => new Response('{}', { status: 401 })]);
    const states: StreamState[] = [];
    const h = startEventStream({
      url: '/events/stream',
      token: null,
      lastEventId: '7',
      fetchImpl: impl,
      onFrame: () => {},
      onState: (s) => states.push(s),
      maxConnects: 5,
    });
    await h.done;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authorization).toBeUndefined();
    expect(calls[0]!['last-event-id']).toBe('7');
    expect(states).toEqual(['connecting', 'unauthorized']);
  });

  it('stop() ends a connection that is waiting for data', async () => {
    const { impl, calls } = scriptedFetch([
      (signal) =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(c) {
              signal.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
            },
          }),
          { status: 200 },
        ),
    ]);
    const states: StreamState[] = [];
    const h = startEventStream({
      url: '/s',
      token: null,
      fetchImpl: impl,
      onFrame: () => {},
      onState: (s) => states.push(s),
    });
    for (let i = 0; i < 50 && !states.includes('open'); i++) await new Promise((r) => setTimeout(r, 1));
    expect(states).toContain('open');
    h.stop();
    await h.done;
    expect(calls).toHaveLength(1);
    expect(states.at(-1)).toBe('stopped');
  });
});
