import type { Command } from 'commander';
import { action } from '../errors.js';
import { loadTooling } from '../tooling.js';
import { parseIntArg } from '../validate.js';

interface Flags {
  quick?: boolean;
  runs?: string;
  parallelism?: string;
  runners?: string;
  durationMs?: string;
  keep?: boolean;
}

export function registerStressSmokeCommand(program: Command): void {
  program
    .command('stress-smoke')
    .description('run N diamond workflows (plan → build, test → report) in parallel through real runners')
    .option('--quick', 'short version: 4 runs, 2 at a time')
    .option('--runs <n>', 'how many runs (default 20)')
    .option('--parallelism <p>', 'runs in flight at once (default 5)')
    .option('--runners <n>', 'runner processes, capacity 4 each (default 2)')
    .option('--duration-ms <ms>', 'how long each mock agent works (default 100)')
    .option('--keep', 'keep the temporary data dir (logs, store, ledgers)')
    .addHelpText(
      'after',
      '\nStarts a private API and runners on free loopback ports, prints one JSON document with overall_status,\n' +
        'wall time, per-run durations and dispatch counts, then [stress-smoke] PASS or FAIL (exit 0 only on PASS).\n',
    )
    .action(
      action(async (f: Flags) =>
        (await loadTooling('bench', 'stress-smoke')).stressSmoke({
          runs: parseIntArg('--runs', f.runs, f.quick ? 4 : 20, 1, 10_000),
          parallelism: parseIntArg('--parallelism', f.parallelism, f.quick ? 2 : 5, 1, 256),
          runners: parseIntArg('--runners', f.runners, f.quick ? 1 : 2, 1, 16),
          durationMs: parseIntArg('--duration-ms', f.durationMs, 100, 0, 60_000),
          keep: f.keep,
        }),
      ),
    );
}
