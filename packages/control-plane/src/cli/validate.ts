import { usageError } from './errors.js';

/** A positive number of seconds (fractions allowed), or the default when the flag is absent. */
export function parseSeconds(name: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw usageError(`${name} must be a positive number of seconds, got "${raw}"`);
  return n;
}

export function parseIntArg(
  name: string,
  raw: string | undefined,
  def: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usageError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}
