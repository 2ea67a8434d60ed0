import type { ApiConfig } from '../config/api.js';
import type { Clock } from '../lib/clock.js';
import { iso } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { makeRedactor } from '../lib/redact.js';
import type { Store } from '../store/sql.js';
import type { RunnerClient } from './ports.js';

/** What every service needs; built once per process (or per test). */
export interface ServiceContext {
  config: ApiConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  runnerToken: string;
  runnerClient: RunnerClient;
  /** Wake the scheduler after a change that may make work ready. */
  kick: () => void;
  redact: (text: string) => string;
  random: () => number;
  /** True while the API reconciles with its runners at start (it serves meanwhile; dispatch waits). */
  reconciling?: boolean;
}

export function nowIso(ctx: Pick<ServiceContext, 'clock'>): string {
  return iso(ctx.clock.now());
}

/** The API's redactor: the patterns plus its own tokens as literals (one pasted into a description too). */
export function apiRedactor(
  config: Pick<ApiConfig, 'operatorToken'>,
  runnerToken: string,
): (text: string) => string {
  return makeRedactor([runnerToken, ...(config.operatorToken ? [config.operatorToken] : [])]);
}
