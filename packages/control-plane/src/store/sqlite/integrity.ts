/**
 * The store's integrity checks. After start the API runs SQLite's `quick_check` (every page and
 * b-tree structure, without matching index entries against rows) in a worker thread on its own
 * read-only connection, so neither the start nor the event loop waits for it; `multyagents doctor`
 * runs the full `integrity_check` (and `foreign_key_check`) synchronously.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface IntegrityResult {
  ok: boolean;
  /** SQLite's own lines ("ok" alone when nothing is wrong), at most `maxProblems`. */
  problems: string[];
  ms: number;
}

/** Lines SQLite reports at most (it stops there). */
const MAX_PROBLEMS = 20;

/** Eval'd CommonJS in the worker (no file to locate from dist/, the bundle or the test runner). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const t0 = Date.now();
try {
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const rows = db.pragma('quick_check(' + workerData.max + ')');
    const problems = rows.map((r) => String(Object.values(r)[0]));
    parentPort.postMessage({ ok: problems.length === 1 && problems[0] === 'ok', problems, ms: Date.now() - t0 });
  } finally { db.close(); }
} catch (err) {
  parentPort.postMessage({ ok: false, problems: [String(err && err.code ? err.code + ': ' : '') + String(err && err.message || err)], ms: Date.now() - t0 });
}
`;

/** `PRAGMA quick_check` in a worker thread; never rejects (a failure to check is reported as a problem). */
export function quickCheckInWorker(file: string): Promise<IntegrityResult> {
  return new Promise((resolve) => {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    let done = false;
    const finish = (r: IntegrityResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, max: MAX_PROBLEMS } });
    worker.unref();
    worker.once('message', (m: IntegrityResult) => finish(m));
    worker.once('error', (err) => finish({ ok: false, problems: [`check failed: ${err.message}`], ms: 0 }));
    worker.once('exit', (code) =>
      finish({ ok: false, problems: [`the check's thread ended (exit ${code}) without a result`], ms: 0 }),
    );
  });
}

export interface DoctorStoreReport {
  file: string;
  integrity: IntegrityResult;
  foreign_key_violations: number;
  schema_version: number | null;
  page_count: number | null;
  page_size: number | null;
  wal_bytes: number | null;
}

/** The full check, read-only (works while the API runs: WAL readers do not block the writer). */
export function fullCheck(file: string, walBytes: number | null): DoctorStoreReport {
  const t0 = Date.now();
  const report: DoctorStoreReport = {
    file,
    integrity: { ok: false, problems: [], ms: 0 },
    foreign_key_violations: 0,
    schema_version: null,
    page_count: null,
    page_size: null,
    wal_bytes: walBytes,
  };
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    report.page_size = Number(db.pragma('page_size', { simple: true }));
    report.page_count = Number(db.pragma('page_count', { simple: true }));
    const rows = db.pragma(`integrity_check(${MAX_PROBLEMS})`) as Record<string, unknown>[];
    const problems = rows.map((r) => String(Object.values(r)[0]));
    report.integrity = { ok: problems.length === 1 && problems[0] === 'ok', problems, ms: 0 };
    report.foreign_key_violations = (db.pragma('foreign_key_check') as unknown[]).length;
    try {
      const v = db.prepare('SELECT MAX(id) AS v FROM schema_migrations').get() as { v: number | null };
      report.schema_version = v.v;
    } catch {
      report.schema_version = null;
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    report.integrity = {
      ok: false,
      problems: [`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`],
      ms: 0,
    };
  } finally {
    db?.close();
  }
  report.integrity.ms = Date.now() - t0;
  return report;
}
