import { Agent, request } from 'undici';
import { withDeadline } from '../lib/deadline.js';
import { parseAnswer } from '../lib/answer.js';
import type { RunnerAttemptState } from '@multyagents/contracts';
import type { RunnerClient, SubmitOutcome } from '../services/ports.js';

export type { RunnerClient, SubmitOutcome, SubmitFailureKind } from '../services/ports.js';

/** API → runner calls over HTTP (CONTRACT.md "Runner side"), the services' RunnerClient port. Every call is bounded by a short timeout. */
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

export function httpRunnerClient(token: string, timeoutMs: number): RunnerClient {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000, connectTimeout: timeoutMs });
  const headers = { 'content-type': 'application/json', 'x-runner-token': token };

  function call(method: 'GET' | 'POST', url: string, body?: unknown) {
    return withDeadline(timeoutMs, async (signal) => {
      const res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal,
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: parseAnswer(text) as Record<string, unknown> | null };
    });
  }

  const base = (url: string) => url.replace(/\/+$/, '');
  /** Runners that answered 404 to a batch submit (an older runner). */
  const noBatch = new Set<string>();

  /** One batch request; null for every attempt when the runner has no batch endpoint. */
  async function submitChunk(url: string, texts: string[]): Promise<Array<SubmitOutcome | null>> {
    try {
      const r = await call('POST', `${base(url)}/tasks/submit-batch`, `{"submits":[${texts.join(',')}]}`);
      if (r.status === 404 || r.status === 405) return texts.map(() => null);
      const results = r.status === 200 ? (r.json?.results as BatchItem[] | undefined) : undefined;
      if (!Array.isArray(results) || results.length !== texts.length) {
        const whole = submitOutcome(r.status === 200 ? 502 : r.status, r.json);
        return texts.map(() => whole);
      }
      return results.map((x) => submitOutcome(x.status_code, x));
    } catch (err) {
      // The request failed as a whole: its attempts share the verdict (unknown = it may have arrived).
      const failed: SubmitOutcome = {
        ok: false,
        kind: classifySendError(err),
        httpStatus: null,
        message: describe(err),
      };
      return texts.map(() => failed);
    }
  }

  return {
    async submit(url, body) {
      try {
        const r = await call('POST', `${base(url)}/tasks/submit`, body);
        return submitOutcome(r.status, r.json);
      } catch (err) {
        return { ok: false, kind: classifySendError(err), httpStatus: null, message: describe(err) };
      }
    },
    async submitMany(url, bodies) {
      if (bodies.length === 1 || noBatch.has(base(url)))
        return Promise.all(bodies.map((b) => this.submit(url, b)));
      const chunks = batches(bodies.map((b) => JSON.stringify(b)));
      const answers = await Promise.all(chunks.map((texts) => submitChunk(url, texts)));
      const out = answers.flat();
      if (out.some((o) => o === null)) noBatch.add(base(url));
      // A runner without the batch endpoint gets one submit per attempt (from now on).
      return Promise.all(out.map((o, i) => o ?? this.submit(url, bodies[i]!)));
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

/** What `/tasks/submit-batch` answers per attempt: the status and body `/tasks/submit` would have had. */
interface BatchItem {
  status_code: number;
  status?: string;
  message?: string;
  detail?: unknown;
  code?: string;
}

/** Consecutive submit bodies grouped so that one request stays well under a runner's body limit. */
function batches(texts: string[], maxBytes = 512 * 1024, maxItems = 100): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (const t of texts) {
    if (cur.length && (cur.length >= maxItems || size + t.length > maxBytes)) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(t);
    size += t.length;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** A runner's answer to one submit, whether it came alone or in a batch. */
function submitOutcome(status: number, json: Record<string, unknown> | BatchItem | null): SubmitOutcome {
  const j = (json ?? {}) as Record<string, unknown>;
  if (status === 200 || status === 202) {
    return { ok: true, runnerStatus: String(j.status ?? 'queued'), message: String(j.message ?? 'accepted') };
  }
  const msg = `runner answered ${status}: ${JSON.stringify(j.detail ?? json).slice(0, 300)}`;
  // A runner shutting down answers 503 RUNNER_DRAINING: busy, like a full one, not broken.
  const kind =
    status === 429 ? 'capacity' : status === 503 && j.code === 'RUNNER_DRAINING' ? 'draining' : 'refused';
  return { ok: false, kind, httpStatus: status, message: msg };
}

export function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: string; cause?: { code?: unknown; message?: string } };
  // Only symbolic codes (ECONNREFUSED, UND_ERR_…) help a reader; DOMException's numeric codes do not.
  const code =
    typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const msg = e.message ?? String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
