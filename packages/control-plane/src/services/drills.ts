/**
 * `GET /drills`: the evidence of past `multyagents chaos` invocations, read from the chaos evidence
 * dir (`config.chaosDir`): one folder per invocation (`<UTC stamp>-seed<n>`, see drills/harness.ts)
 * holding its `report.json`. Only folders directly inside the dir are read, and only when their real
 * path (symlinks followed) stays inside it; a report that cannot be read is listed with `error`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DRILL_EVIDENCE_ID_PATTERN,
  type DrillEvidenceSummary,
  type DrillShort,
} from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import type { ServiceContext } from './context.js';

/** Newest folders read per list (by modification time). */
const LIST_MAX = 100;
/** A report larger than this is not read (a real one is tens of KiB). */
const REPORT_MAX_BYTES = 16 * 1024 * 1024;

interface Folder {
  id: string;
  dir: string;
  mtimeMs: number;
}

async function realRoot(ctx: ServiceContext): Promise<string | null> {
  try {
    return await fs.realpath(ctx.config.chaosDir);
  } catch {
    return null;
  }
}

/** The folder's real path when it is a directory directly inside `root`; null otherwise. */
async function inside(root: string, id: string): Promise<Folder | null> {
  if (!DRILL_EVIDENCE_ID_PATTERN.test(id) || id === '.' || id === '..') return null;
  try {
    const dir = await fs.realpath(path.join(root, id));
    if (path.dirname(dir) !== root) return null;
    const st = await fs.stat(dir);
    return st.isDirectory() ? { id, dir, mtimeMs: st.mtimeMs } : null;
  } catch {
    return null;
  }
}

type ReadReport =
  { ok: true; report: Record<string, unknown> } | { ok: false; missing: boolean; error: string };

async function readReport(dir: string): Promise<ReadReport> {
  const file = path.join(dir, 'report.json');
  try {
    const st = await fs.lstat(file);
    if (!st.isFile()) return { ok: false, missing: false, error: 'report.json is not a regular file' };
    if (st.size > REPORT_MAX_BYTES)
      return { ok: false, missing: false, error: `report.json is ${st.size} bytes` };
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return { ok: false, missing: false, error: 'report.json is not a JSON object' };
    return { ok: true, report: parsed as Record<string, unknown> };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT')
      return { ok: false, missing: true, error: 'no report.json (the run did not finish?)' };
    return { ok: false, missing: false, error: `report.json: ${e.message}` };
  }
}

/** `2024-05-01_12-30-00-seed7` → 2024-05-01T12:30:00.000Z (the harness stamps UTC). */
function startedAt(f: Folder): string {
  const m = /^(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})/.exec(f.id);
  const t = m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.000Z`) : NaN;
  return new Date(Number.isFinite(t) ? t : f.mtimeMs).toISOString();
}

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown) => (typeof x === 'string' ? x : null);
const obj = (x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

function drillShort(s: unknown): DrillShort {
  const d = obj(s);
  const checks = Array.isArray(d.checks) ? d.checks.map(obj) : [];
  return {
    id: str(d.scenario) ?? '?',
    status: str(d.status) ?? 'unknown',
    name: str(d.name),
    checks: checks.length,
    failed_checks: checks
      .filter((c) => c.valid !== true || c.inconclusive === true)
      .map((c) => str(c.name) ?? '?'),
    wall_ms: num(obj(d.timings).wall_ms),
    error: str(d.error),
  };
}

function summarise(f: Folder, r: ReadReport): DrillEvidenceSummary {
  const seedOfName = /-seed(\d+)$/.exec(f.id);
  const base = {
    id: f.id,
    started_at: startedAt(f),
    seed: seedOfName ? Number(seedOfName[1]) : null,
  };
  if (!r.ok)
    return {
      ...base,
      total: 0,
      passed: 0,
      failed: 0,
      inconclusive: 0,
      verdict: 'FAIL',
      drills: [],
      error: r.error,
    };
  const summary = obj(r.report.summary);
  const drills = (Array.isArray(r.report.scenarios) ? r.report.scenarios : []).map(drillShort);
  const count = (k: string, status: string) =>
    num(summary[k]) ?? drills.filter((d) => d.status === status).length;
  return {
    ...base,
    seed: num(obj(r.report.config).seed) ?? base.seed,
    total: num(summary.total) ?? drills.length,
    passed: count('passed', 'success'),
    failed: count('failed', 'failed'),
    inconclusive: count('inconclusive', 'inconclusive'),
    // The same rule as the command's last line (`[chaos] PASS` only for an overall success).
    verdict: summary.overall_status === 'success' ? 'PASS' : 'FAIL',
    drills,
  };
}

export async function listDrillEvidence(
  ctx: ServiceContext,
  limit = LIST_MAX,
): Promise<DrillEvidenceSummary[]> {
  const root = await realRoot(ctx);
  if (!root) return [];
  const names = (await fs.readdir(root, { withFileTypes: true }))
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && DRILL_EVIDENCE_ID_PATTERN.test(e.name))
    .map((e) => e.name);
  const folders = (await Promise.all(names.map((n) => inside(root, n)))).filter(
    (f): f is Folder => f !== null,
  );
  folders.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
  const newest = folders.slice(0, Math.min(limit, LIST_MAX));
  return Promise.all(newest.map(async (f) => summarise(f, await readReport(f.dir))));
}

export async function getDrillEvidence(ctx: ServiceContext, id: string): Promise<Record<string, unknown>> {
  const root = await realRoot(ctx);
  const f = root ? await inside(root, id) : null;
  if (!f)
    throw new AppError(
      'DRILL_EVIDENCE_NOT_FOUND',
      `no chaos evidence folder '${id}' in ${ctx.config.chaosDir}`,
    );
  const r = await readReport(f.dir);
  if (r.ok) return r.report;
  if (r.missing) throw new AppError('DRILL_EVIDENCE_NOT_FOUND', `evidence '${id}' has ${r.error}`);
  throw new AppError('DRILL_REPORT_UNREADABLE', `evidence '${id}': ${r.error}`);
}
