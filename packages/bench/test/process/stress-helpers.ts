import fs from 'node:fs';
import { expect } from 'vitest';
import { cli, killLeftovers, processesMentioning } from '../../../control-plane/test/process/cli-harness.js';

export interface SuiteJson {
  suite: string;
  overall_status: 'pass' | 'fail';
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  summary: Record<string, any>;
  stack: { data_dir: string; kept: boolean };
  details?: Record<string, any>;
}

/** Run a stress command, parse its JSON, and check it left no process and no temp dir behind. */
export async function runSuite(
  args: string[],
  timeoutMs = 110_000,
): Promise<{ code: number | null; report: SuiteJson; last: string }> {
  const r = await cli(args, { timeoutMs });
  const lines = r.stdout.trimEnd().split('\n');
  const last = lines[lines.length - 1];
  let report: SuiteJson;
  try {
    report = JSON.parse(lines.slice(0, -1).join('\n')) as SuiteJson;
  } catch {
    throw new Error(`no JSON report from ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  }
  try {
    expect(processesMentioning(report.stack.data_dir)).toEqual([]);
    expect(fs.existsSync(report.stack.data_dir)).toBe(false);
  } finally {
    killLeftovers(report.stack.data_dir);
    fs.rmSync(report.stack.data_dir, { recursive: true, force: true });
  }
  return { code: r.code, report, last };
}

/** Every failed check in one message, so a red test says why. */
export function failedChecks(report: SuiteJson): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}
