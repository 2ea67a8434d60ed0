import type { Command } from 'commander';
import { action } from '../errors.js';
import { loadTooling } from '../tooling.js';
import { parseIntArg } from '../validate.js';

interface Flags {
  quick?: boolean;
  runs?: string;
  keep?: boolean;
}

export function registerRestartPersistenceCommand(program: Command): void {
  program
    .command('restart-persistence')
    .description('restart the API (kill -9 and SIGTERM) at each lifecycle point; state must not change')
    .option('--quick', 'short version: 2 runs')
    .option('--runs <n>', 'runs carried through the lifecycle points (default 5)')
    .option('--keep', 'keep the temporary data dir (logs, store)')
    .addHelpText(
      'after',
      '\nLifecycle points: created, queued, running, terminal; at each, a checkpoint (run and task statuses,\n' +
        'attempts, event counts) before and after each restart must match. Prints one JSON document with\n' +
        'overall_status, then [restart-persistence] PASS or FAIL (exit 0 only on PASS).\n',
    )
    .action(
      action(async (f: Flags) =>
        (await loadTooling('bench', 'restart-persistence')).restartPersistence({
          runs: parseIntArg('--runs', f.runs, f.quick ? 2 : 5, 1, 500),
          keep: f.keep,
        }),
      ),
    );
}
