import { Agent, request } from 'undici';
import type { RunnerAttemptState, RunnerSubmit } from '@multyagents/contracts';

/** API → runner calls (CONTRACT.md "Runner side"). Every call is bounded by a short timeout. */
export type SubmitOutcome =
  | { ok: true; runnerStatus: string; message: string }
  | { ok: false; kind: SubmitFailureKind; httpStatus: number | null; message: string };

/**
 * `unreachable`: the request never reached the runner (connection refused, connect timeout, DNS) — a
 * definite "not delivered". `unknown`: it may have arrived (timeout or reset after sending) — the
 * runner may be running the attempt, so it must not be treated as a failure.
 */
export type SubmitFailureKind = 'unreachable' | 'unknown' | 'capacity' | 'refused';

const NOT_DELIVERED = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

export function classifySendError(err: unknown): 'unreachable' | 'unknown' {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : '';
  return NOT_DELIVERED.has(code) ? 'unreachable' : 'unknown';
}

export interface RunnerClient {
  submit(url: string, body: RunnerSubmit): Promise<SubmitOutcome>;
  /** null when the runner does not know the attempt (404); throws when unreachable. */
  getTask(url: string, taskId: number): Promise<RunnerAttemptState | null>;
  listTasks(url: string): Promise<RunnerAttemptState[]>;
  /** true when the runner acknowledged (or no longer knows the task); throws when unreachable. */
  cancel(url: string, taskId: number, attempt: number): Promise<boolean>;
  close(): Promise<void>;
}

export function httpRunnerClient(token: string, timeoutMs: number): RunnerClient {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000, connectTimeout: timeoutMs });
  const headers = { 'content-type': 'application/json', 'x-runner-token': token };

  async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
    const res = await request(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text.slice(0, 500) };
    }
    return { status: res.statusCode, json: json as Record<string, unknown> | null };
  }

  const base = (url: string) => url.replace(/\/+$/, '');

  return {
    async submit(url, body) {
      try {
        const r = await call('POST', `${base(url)}/tasks/submit`, body);
        if (r.status === 200 || r.status === 202) {
          return {
            ok: true,
            runnerStatus: String(r.json?.status ?? 'queued'),
            message: String(r.json?.message ?? 'accepted'),
          };
        }
        const msg = `runner answered ${r.status}: ${JSON.stringify(r.json?.detail ?? r.json).slice(0, 300)}`;
        return {
          ok: false,
          kind: r.status === 429 ? 'capacity' : 'refused',
          httpStatus: r.status,
          message: msg,
        };
      } catch (err) {
        return { ok: false, kind: classifySendError(err), httpStatus: null, message: describe(err) };
      }
    },
    async getTask(url, taskId) {
      const r = await call('GET', `${base(url)}/tasks/${taskId}`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`runner answered ${r.status}`);
      return r.json as unknown as RunnerAttemptState;
    },
    async listTasks(url) {
      const r = await call('GET', `${base(url)}/tasks`);
      if (r.status !== 200) throw new Error(`runner answered ${r.status}`);
      return ((r.json?.attempts as RunnerAttemptState[]) ?? []) as RunnerAttemptState[];
    },
    async cancel(url, taskId, attempt) {
      const r = await call('POST', `${base(url)}/tasks/${taskId}/cancel`, { attempt });
      return r.status === 200 || r.status === 404 || r.status === 409;
    },
    close: () => agent.close(),
  };
}

export function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: string; cause?: { code?: unknown; message?: string } };
  // Only symbolic codes (ECONNREFUSED, UND_ERR_…) help a reader; DOMException's numeric codes do not.
  const code =
    typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const msg = e.message ?? String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
