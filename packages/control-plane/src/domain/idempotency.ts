import { AppError } from '../lib/errors.js';

/** A key answers its retries for this long after its create; the sweeper prunes it afterwards. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const KEY = /^[\x20-\x7e]{1,200}$/;

/** The `Idempotency-Key` header: absent → null; else 1–200 printable ASCII characters, once. */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !KEY.test(raw))
    throw new AppError(
      'IDEMPOTENCY_KEY_INVALID',
      Array.isArray(raw)
        ? 'Idempotency-Key: give the header once'
        : `Idempotency-Key: ${raw.length === 0 ? 'empty' : raw.length > 200 ? `${raw.length} characters` : 'a character outside printable ASCII'}; use 1-200 printable ASCII characters`,
      { field: 'Idempotency-Key' },
    );
  return raw;
}

/** JSON with object keys sorted at every level: two bodies that differ only in key order hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
