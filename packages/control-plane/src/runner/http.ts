import { Agent, request } from 'undici';
import { withDeadline } from '../lib/deadline.js';
import { CREDENTIAL_HEADER } from '../lib/runnerIdentity.js';

/** Runner → API calls. Each is bounded by a timeout; a network failure throws. */
export interface HttpAnswer {
  status: number;
  text: string;
  json: Record<string, unknown> | null;
}

export interface Transport {
  post(url: string, token: string, body: unknown): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/**
 * `credential`: this runner's own (issued at registration), sent with every call as
 * X-Runner-Credential; the shared token still goes along (registration's bootstrap, v1 callbacks).
 */
export function httpTransport(timeoutMs: number, credential: () => string | null = () => null): Transport {
  const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000, connectTimeout: timeoutMs });
  return {
    post(url, token, body) {
      return withDeadline(timeoutMs, async (signal) => {
        const own = credential();
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-runner-token': token,
        };
        if (own) headers[CREDENTIAL_HEADER] = own;
        const res = await request(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          dispatcher: agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal,
        });
        const text = await res.body.text();
        let json: Record<string, unknown> | null = null;
        try {
          const parsed: unknown = text ? JSON.parse(text) : null;
          json = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
        } catch {
          json = null;
        }
        return { status: res.statusCode, text, json };
      });
    },
    close: () => agent.close(),
  };
}

export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const msg = e.cause?.message ?? e.message ?? String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
