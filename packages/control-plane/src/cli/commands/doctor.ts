import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { fullCheck, type DoctorStoreReport } from '../../store/sqlite/integrity.js';
import { action, CliError, EXIT } from '../errors.js';
import { envHelp } from '../helpText.js';
import { resolveDataDir } from '../stack.js';


export interface DoctorOptions {
  dataDir?: string;
  json?: boolean;
}

export interface DoctorReport {
  data_dir: string;
  ok: boolean;
  store: DoctorStoreReport;
  disk: { free_bytes: number; total_bytes: number; free_pct: number } | null;
  problems: string[];
}

/** Below this much free space under the data dir, the doctor warns (a full disk refuses every change). */
const LOW_DISK_BYTES = 256 * 1024 * 1024;

function fileSize(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}

/**
 * The full offline check of a data dir: SQLite's integrity_check and foreign_key_check of the store,
 * its schema version and WAL size, and the free space under it. Read-only; safe while the API runs.
 */
export function doctor(dataDir: string): DoctorReport {
  const file = path.join(dataDir, 'multyagents.db');
  if (!fs.existsSync(file))
    throw new CliError('STORE_UNAVAILABLE', `no store at ${file}`, {
      hint: 'pass the --data-dir the API uses (default .multyagents), or start it once with `multyagents up`',
      exitCode: EXIT.conflict,
    });
  const store = fullCheck(file, fileSize(`${file}-wal`));
  let disk: DoctorReport['disk'] = null;
  try {
    const s = fs.statfsSync(dataDir);
    const free = s.bavail * s.bsize;
    const total = s.blocks * s.bsize;
    disk = { free_bytes: free, total_bytes: total, free_pct: total ? Math.round((1000 * free) / total) / 10 : 0 };
  } catch {
    disk = null;
  }
  const problems: string[] = [];
  if (!store.integrity.ok)
    problems.push(
      `store integrity: ${store.integrity.problems.slice(0, 5).join('; ')} — see docs/runbook.md "Damaged store"`,
    );
  if (store.foreign_key_violations > 0)
    problems.push(`store: ${store.foreign_key_violations} foreign key violation(s)`);
  if (disk && disk.free_bytes < LOW_DISK_BYTES)
    problems.push(`disk: only ${Math.round(disk.free_bytes / 1048576)} MiB free under ${dataDir}; changes fail when it is full`);
  return { data_dir: dataDir, ok: problems.length === 0, store, disk, problems };
}

function human(r: DoctorReport): string {
  const s = r.store;
  const lines = [
    `data dir   ${r.data_dir}`,
    `store      ${s.file}: integrity ${s.integrity.ok ? 'ok' : 'DAMAGED'} (${s.integrity.ms} ms), ` +
      `${s.page_count ?? '?'} pages of ${s.page_size ?? '?'} B, WAL ${s.wal_bytes ?? 0} B, schema ${s.schema_version ?? '?'}`,
    `disk       ${r.disk ? `${Math.round(r.disk.free_bytes / 1048576)} MiB free (${r.disk.free_pct}%)` : 'unknown'}`,
    ...r.problems.map((p) => `PROBLEM    ${p}`),
    r.ok ? 'doctor: ok' : `doctor: ${r.problems.length} problem(s)`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check a data dir: the store's full integrity check, its schema and WAL, free disk space")
    .option('--data-dir <dir>', 'data dir to check (default .multyagents)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', envHelp(['MULTYAGENTS_DATA_DIR']))
    .action(
      action(async (opts: DoctorOptions) => {
        const env: Env = processEnv();
        const r = doctor(resolveDataDir(opts.dataDir, env));
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : human(r));
        return r.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
