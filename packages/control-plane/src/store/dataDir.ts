import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors.js';

/**
 * The data dir belongs to one API process. `api.pid` names the owner for humans and for
 * `multyagents status`; the kernel-held SQLite lock (see SqliteStore) is what actually refuses a
 * second process, even when a stale pid file survives a kill -9.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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

/** Refuse early and clearly when a live process owns the dir; take over a stale pid file. */
export function claimPidFile(file: string, role: string): { stale: number | null } {
  const owner = readPid(file);
  if (owner !== null && owner !== process.pid && pidAlive(owner)) {
    throw new AppError(
      'DATA_DIR_LOCKED',
      `${role}: data dir ${path.dirname(file)} is in use by pid ${owner} (${file})`,
      { pid: owner },
    );
  }
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return { stale: owner !== null && owner !== process.pid ? owner : null };
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
