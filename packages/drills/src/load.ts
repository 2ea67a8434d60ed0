/**
 * A small bounded load of operator requests kept running through a fault, every answer recorded
 * (sent/answered times, status or error), and the pure judgement of those samples against a window
 * in which 5xx answers are declared acceptable (e.g. a graceful stop's drain).
 */
import type { ApiClient } from './client.js';
import { sleep } from './procinfo.js';

export interface Sample {
  path: string;
  method: 'GET' | 'POST';
  sent: number;
  answered: number;
  /** HTTP status, or null when the request failed without an answer (refused, reset, timeout). */
  status: number | null;
  error?: string;
}

export interface Window {
  from: number;
  to: number;
}

/** 5xx answers that arrived outside every declared window (slack: the answer and the exit travel by different pipes). */
export function fiveXxOutside(
  samples: readonly Sample[],
  windows: readonly Window[],
  slackMs = 50,
): Sample[] {
  return samples.filter(
    (s) =>
      s.status !== null &&
      s.status >= 500 &&
      !windows.some((w) => s.answered >= w.from - slackMs && s.answered <= w.to + slackMs),
  );
}

export function summarize(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = s.status === null ? `error:${(s.error ?? 'unknown').slice(0, 40)}` : String(s.status);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export interface LoadHandle {
  samples: Sample[];
  /** Writes that were acknowledged (2xx) with the id they returned. */
  acknowledged: Array<{ path: string; id: number }>;
  stop(): Promise<void>;
}

/**
 * `workers` loops of GETs over `paths`, plus (when `writeBody` is given) one loop of POSTs to
 * `writePath` whose acknowledged ids are kept. Bounded by `maxRequests` in total.
 */
export function startLoad(
  client: ApiClient,
  opts: {
    paths: string[];
    workers?: number;
    pauseMs?: number;
    maxRequests?: number;
    write?: { path: string; body: (n: number) => unknown };
  },
): LoadHandle {
  const samples: Sample[] = [];
  const acknowledged: LoadHandle['acknowledged'] = [];
  const max = opts.maxRequests ?? 20_000;
  let stopped = false;
  const one = async (method: 'GET' | 'POST', p: string, body?: unknown) => {
    const sent = Date.now();
    try {
      const a = await client.call<{ id?: number }>(method, p, body);
      samples.push({ path: p, method, sent, answered: Date.now(), status: a.status });
      return a;
    } catch (err) {
      const error = (err as { code?: string }).code ?? (err as Error).message;
      samples.push({ path: p, method, sent, answered: Date.now(), status: null, error });
      // A refused connection answers at once: do not spin while the API is down.
      await sleep(50);
      return null;
    }
  };
  const loops: Array<Promise<void>> = [];
  for (let w = 0; w < (opts.workers ?? 2); w++) {
    loops.push(
      (async () => {
        for (let i = w; !stopped && samples.length < max; i++) {
          await one('GET', opts.paths[i % opts.paths.length]!);
          await sleep(opts.pauseMs ?? 20);
        }
      })(),
    );
  }
  if (opts.write) {
    const write = opts.write;
    loops.push(
      (async () => {
        for (let n = 0; !stopped && samples.length < max; n++) {
          const a = await one('POST', write.path, write.body(n));
          if (a && a.status >= 200 && a.status < 300 && typeof a.body?.id === 'number')
            acknowledged.push({ path: write.path, id: a.body.id });
          await sleep(opts.pauseMs ?? 20);
        }
      })(),
    );
  }
  return {
    samples,
    acknowledged,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
