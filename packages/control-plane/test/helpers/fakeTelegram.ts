import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Telegram Bot API on 127.0.0.1 (tests never contact api.telegram.org): records every call,
 * answers sendMessage with growing message ids, and serves getUpdates from a queue the test fills
 * (a long poll waits for an update up to its timeout, at most 1 s here).
 */
export interface TgCall {
  method: string;
  token: string;
  params: Record<string, unknown>;
}

export interface FakeTelegram {
  url: string;
  calls: TgCall[];
  /** Queue an update; its update_id is assigned (and returned). */
  push(update: Record<string, unknown>): number;
  /** Make the next `n` calls of `method` answer 429 with this retry_after. */
  throttle(method: string, n: number, retryAfterSec: number): void;
  close(): Promise<void>;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const calls: TgCall[] = [];
  const queue: Array<Record<string, unknown> & { update_id: number }> = [];
  const throttled = new Map<string, { n: number; after: number }>();
  let nextUpdate = 1000;
  let nextMessage = 1;
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (!m) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      const params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      const method = m[2]!;
      const t = throttled.get(method);
      if (t && t.n > 0) {
        t.n--;
        calls.push({ method: `${method}:429`, token: m[1]!, params });
        return send(429, {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests',
          parameters: { retry_after: t.after },
        });
      }
      if (method !== 'getUpdates') calls.push({ method, token: m[1]!, params });
      switch (method) {
        case 'sendMessage':
          return send(200, {
            ok: true,
            result: { message_id: nextMessage++, chat: { id: params.chat_id }, text: params.text },
          });
        case 'editMessageText':
        case 'answerCallbackQuery':
          return send(200, { ok: true, result: true });
        case 'getUpdates': {
          const offset = typeof params.offset === 'number' ? params.offset : 0;
          const waitMs = Math.min(1000, Number(params.timeout ?? 0) * 1000);
          const started = Date.now();
          const answer = () => {
            const ready = queue.filter((u) => u.update_id >= offset);
            if (ready.length || Date.now() - started >= waitMs || res.destroyed)
              return send(200, { ok: true, result: ready });
            setTimeout(answer, 20);
          };
          return answer();
        }
        default:
          return send(404, { ok: false, error_code: 404, description: `no method ${method}` });
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    push(update) {
      const update_id = nextUpdate++;
      queue.push({ ...update, update_id });
      return update_id;
    },
    throttle(method, n, after) {
      throttled.set(method, { n, after });
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
