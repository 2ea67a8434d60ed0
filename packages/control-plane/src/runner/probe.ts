import { Agent, request } from 'undici';
import { withDeadline } from '../lib/deadline.js';
import { mayProbe } from './decisions.js';

export interface HealthProbe {
  /** Whether `<origin>/health` answers 200; null for an origin we do not probe (see mayProbe). */
  check(origin: string): Promise<boolean> | null;
  close(): Promise<void>;
}

/**
 * The outbox's probe of an API it could not reach: one small GET on its own connection (the report
 * transport's pool may be busy or hold sockets of the dead process), bounded by `timeoutMs`.
 */
export function healthProbe(apiUrl: string, timeoutMs: number): HealthProbe {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 1000, connectTimeout: timeoutMs });
  return {
    check(origin) {
      if (!mayProbe(origin, apiUrl)) return null;
      return withDeadline(timeoutMs, async (signal) => {
        const r = await request(`${origin}/health`, {
          method: 'GET',
          dispatcher: agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal,
        });
        await r.body.dump();
        return r.statusCode === 200;
      }).catch(() => false);
    },
    close: () => agent.close(),
  };
}
