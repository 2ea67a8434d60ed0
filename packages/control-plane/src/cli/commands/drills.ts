import type { Command } from 'commander';
import { DRILL_EVIDENCE_ID_PATTERN, type DrillEvidenceSummary } from '@multyagents/contracts';
import { drillReportText, drillsTable } from '../cockpitViews.js';
import { action, usageError } from '../errors.js';
import { operator, printJson, withApiOptions, type ApiOptions } from '../operator.js';
import { parseIntArg } from '../validate.js';

const API_EXIT =
  'Exit code 0 when done (a FAIL verdict is shown, not an exit code); 2 on invalid usage; 4 when the API refuses or cannot be reached (its code is shown, e.g. DRILL_EVIDENCE_NOT_FOUND, DRILL_REPORT_UNREADABLE).';

export async function listDrills(opts: ApiOptions & { limit?: string }): Promise<number> {
  const limit = parseIntArg('--limit', opts.limit, 20, 1, 100);
  const { api } = operator(opts);
  const list = await api.get<DrillEvidenceSummary[]>(`/drills?limit=${limit}`);
  if (opts.json) printJson(list);
  else process.stdout.write(drillsTable(list));
  return 0;
}

export async function showDrill(id: string, opts: ApiOptions): Promise<number> {
  if (!DRILL_EVIDENCE_ID_PATTERN.test(id) || id === '.' || id === '..')
    throw usageError(`an evidence id is a folder name (letters, digits, . _ -), got "${id}"`);
  const { api } = operator(opts);
  const report = await api.get<Record<string, unknown>>(`/drills/${encodeURIComponent(id)}`);
  if (opts.json) printJson(report);
  else process.stdout.write(drillReportText(id, report));
  return 0;
}

export function registerDrillsCommand(program: Command): void {
  const drills = program
    .command('drills')
    .description('the evidence of past `multyagents chaos` runs, read through the API');
  withApiOptions(
    drills
      .command('list')
      .description(
        'evidence folders, newest first: verdict, passed/total, seed, start, the drills that did not pass',
      )
      .option('--limit <n>', 'at most this many (default 20, at most 100)'),
    API_EXIT,
  ).action(action(async (opts: ApiOptions & { limit?: string }) => listDrills(opts)));
  withApiOptions(
    drills
      .command('show')
      .description('one evidence folder: each drill with its status, checks and the checks that did not hold')
      .argument('<evidence-id>'),
    API_EXIT,
  ).action(action(async (id: string, opts: ApiOptions) => showDrill(id, opts)));
}
