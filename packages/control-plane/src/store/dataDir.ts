import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The data dir belongs to one API process. `api.pid` names the owner for humans and for
 * `multyagents status`; the kernel-held SQLite lock (see SqliteStore) is what actually refuses a
 * second process, even when a stale pid file survives a kill -9.
 */
/** Zombie-aware liveness (a dead, not yet reaped owner does not count). */
export { pidAlive } from '../executors/procfs.js';

export function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export function writePidFile(file: string): void {
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
}

export function releasePidFile(file: string): void {
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
}

/** The shared runner token, generated at first start with mode 0600. */
export function loadOrCreateToken(dir: string, name = 'runner-token'): string {
  const file = path.join(dir, name);
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t.length >= 16) return t;
  } catch {
    /* first start */
  }
  const token = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
