import { AppError } from '../lib/errors.js';

/** Helpers for reading a value from flags, then env, then a default. The only place env is read. */
export type Env = Record<string, string | undefined>;

export function pickInt(
  name: string,
  flag: unknown,
  env: string | undefined,
  def: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = flag ?? env;
  if (raw === undefined || raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AppError(
      'CONFIG_INVALID',
      `${name} must be an integer between ${min} and ${max}, got ${String(raw)}`,
    );
  }
  return n;
}

export function pickEnum<T extends string>(
  name: string,
  flag: unknown,
  env: string | undefined,
  values: readonly T[],
  def: T,
): T {
  const raw = (flag ?? env ?? def) as string;
  if (!values.includes(raw as T)) {
    throw new AppError('CONFIG_INVALID', `${name} must be one of ${values.join('|')}, got ${raw}`);
  }
  return raw as T;
}

export function pickString(flag: unknown, env: string | undefined, def: string): string {
  const raw = flag ?? env;
  return raw === undefined || raw === null || raw === '' ? def : String(raw);
}

export function processEnv(): Env {
  return process.env;
}

/** Size-based rotation of a process's log file (its `--log-file`, or stdout when that is a file). */
export interface LogRotation {
  /** Rotate when the file is larger than this (0: never). */
  maxBytes: number;
  /** Rotated files kept: `<log>.1` (newest) … `<log>.<keep>`. */
  keep: number;
}

export function resolveLogRotation(env: Env): LogRotation {
  return {
    maxBytes: pickInt('log max bytes', undefined, env.MULTYAGENTS_LOG_MAX_BYTES, 50 * 1024 * 1024, 0),
    keep: pickInt('log keep', undefined, env.MULTYAGENTS_LOG_KEEP, 3, 1, 100),
  };
}
