import { Agent, request } from 'undici';
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
      return request(`${origin}/health`, {
        method: 'GET',
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      }).then(
        async (r) => {
          await r.body.dump();
          return r.statusCode === 200;
        },
        () => false,
      );
    },
    close: () => agent.close(),
  };
}
