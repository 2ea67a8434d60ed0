import { AppError } from './errors.js';

/**
 * SQLite's failures in the words an operator needs: a code, the file, what to do. Used when the store
 * opens (start-up) and for errors of running statements (coerceError): a store that cannot make a
 * write durable (disk full, I/O error, read-only) answers 503 STORE_UNAVAILABLE, a damaged one 503
 * STORE_CORRUPT — never a bare 500.
 */
export function storeErrorOf(err: unknown, file: string): AppError | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const reason = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new AppError(
      'STORE_CORRUPT',
      `${file}: ${reason} (${code}) — stop the API, keep a copy of the file and its -wal, then restore a ` +
        'backup or start on a fresh data dir (docs/runbook.md, "Damaged store")',
      { sqlite_code: code, file },
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new AppError(
      'STORE_UNAVAILABLE',
      `${file}: ${reason} (${code}) — check that the directory exists and that this user may read and ` +
        'write it (permissions, a read-only mount)',
      { sqlite_code: code, file },
    );
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY')) {
    return new AppError(
      'STORE_UNAVAILABLE',
      `${file}: ${reason} (${code}) — the change was not made; free disk space or fix the device, then retry`,
      { sqlite_code: code, file },
    );
  }
  return null;
}
