import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env.js';
import type { ExecutorCheck } from './types.js';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Resolve a binary the way execvp would: a path is checked as is, a bare name is searched on PATH. */
export function resolveBinary(bin: string, env: Env, cwd: string): string | null {
  if (bin.includes('/')) {
    const full = path.resolve(cwd, bin);
    return executable(full) ? full : null;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, bin);
    if (executable(full)) return full;
  }
  return null;
}

/** The message a missing binary produces: names the binary and how to point the runner at it. */
export function missingBinaryMessage(what: string, bin: string, hint: string): string {
  const where = bin.includes('/') ? `${bin} does not exist or is not executable` : `'${bin}' is not on PATH`;
  return `${what} binary not found: ${where} (dependency missing; ${hint})`;
}

export function checkBinary(what: string, bin: string, env: Env, hint: string): ExecutorCheck {
  const found = resolveBinary(bin, env, process.cwd());
  return found
    ? { ok: true, message: `${what}: ${found}` }
    : { ok: false, message: missingBinaryMessage(what, bin, hint) };
}
