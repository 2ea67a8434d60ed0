import { storeErrorOf } from './sqliteErrors.js';
import { ERROR_CODES, type ErrorCode } from '@multyagents/contracts';

/**
 * The only error type our code throws on purpose. `code` comes from the catalogue in
 * @multyagents/contracts; the HTTP layer maps it to a status. Foreign throws are normalized by
 * `coerceError` at the boundary.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: unknown;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail?: unknown, extra: Record<string, unknown> = {}) {
    const text = typeof detail === 'string' ? detail : ERROR_CODES[code].message;
    super(text);
    this.name = 'AppError';
    this.code = code;
    this.detail = detail ?? ERROR_CODES[code].message;
    this.extra = extra;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export function coerceError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const store = storeErrorOf(err, 'the store');
  if (store) return store;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('INTERNAL_ERROR', message);
}
