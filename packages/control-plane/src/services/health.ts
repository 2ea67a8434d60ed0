/**
 * What keeps `/health` from saying ok while the process still serves: a store that cannot commit
 * (disk full, I/O error) and logs that cannot be written. Pure: the facts come from the store and the
 * logger.
 */
import type { LogSinkStatus } from '../lib/logSink.js';
import type { StoreHealth } from '../store/sql.js';

export interface HealthProblem {
  component: 'store' | 'logging';
  code: string;
  since: string;
  detail: string;
}

export function healthProblems(store: StoreHealth, logging: LogSinkStatus): HealthProblem[] {
  const out: HealthProblem[] = [];
  if (store.write_failing)
    out.push({
      component: 'store',
      code: 'STORE_UNAVAILABLE',
      since: new Date(store.write_failing.since).toISOString(),
      detail: `the last commit failed (${store.write_failing.code}): ${store.write_failing.detail}; changes are refused with 503 until a commit succeeds`,
    });
  if (logging.failing)
    out.push({
      component: 'logging',
      code: logging.failing.code,
      since: new Date(logging.failing.since).toISOString(),
      detail: `log lines cannot be written (${logging.failing.code}); ${logging.dropped_lines} dropped so far`,
    });
  return out;
}
