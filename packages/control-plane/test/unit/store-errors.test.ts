import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, coerceError } from '../../src/lib/errors.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('store errors an operator can act on', () => {
  it('a data file that is not a database fails the start with STORE_CORRUPT, the path and what to do', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-store-err-'));
    const file = path.join(dir, 'multyagents.db');
    fs.writeFileSync(file, 'this is not a database, it is a text file of some length '.repeat(100));
    let err: unknown;
    try {
      void SqliteStore.open({ file, durability: 'full', exclusive: true }).close();
    } catch (e) {
      err = e;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('STORE_CORRUPT');
    expect((err as AppError).message).toContain(file);
    expect((err as AppError).message).toMatch(/restore a backup/);
  });

  it('a full disk or an I/O error is 503 STORE_UNAVAILABLE, corruption 503 STORE_CORRUPT; others stay 500', () => {
    expect(coerceError(sqliteError('SQLITE_FULL', 'database or disk is full')).code).toBe(
      'STORE_UNAVAILABLE',
    );
    expect(coerceError(sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error')).code).toBe('STORE_UNAVAILABLE');
    expect(coerceError(sqliteError('SQLITE_CORRUPT', 'database disk image is malformed')).code).toBe(
      'STORE_CORRUPT',
    );
    expect(coerceError(sqliteError('SQLITE_CONSTRAINT_UNIQUE', 'x')).code).toBe('INTERNAL_ERROR');
    expect(coerceError(new Error('plain')).code).toBe('INTERNAL_ERROR');
  });
});
