import type { Command } from 'commander';
import { action } from '../errors.js';
import { loadTooling } from '../tooling.js';
import { parseIntArg } from '../validate.js';

interface Flags {
  quick?: boolean;
  rounds?: string;
  clients?: string;
  seed?: string;
  keep?: boolean;
}

export function registerRaceStressCommand(program: Command): void {
  program
    .command('race-stress')
    .description('race concurrent clients on the same runs (dispatch, approvals, pause, duplicated reports)')
    .option('--quick', 'short version: 3 rounds of 16 clients')
    .option('--rounds <n>', 'runs raced one after another (default 12)')
    .option('--clients <n>', 'concurrent clients per race (default 32)')
    .option('--seed <n>', 'seed of the race orders, to replay a failure (default 1)')
    .option('--keep', 'keep the temporary data dir (logs, store)')
    .addHelpText(
      'after',
      '\nStarts a private API (manual dispatch) and a scripted runner on free loopback ports, prints one JSON\n' +
        'document with overall_status and the checks, then [race-stress] PASS or FAIL; exit code 0 only on PASS.\n',
    )
    .action(
      action(async (f: Flags) =>
        (await loadTooling('bench', 'race-stress')).raceStress({
          rounds: parseIntArg('--rounds', f.rounds, f.quick ? 3 : 12, 1, 1000),
          clients: parseIntArg('--clients', f.clients, f.quick ? 16 : 32, 2, 256),
          seed: parseIntArg('--seed', f.seed, 1, 0, 2 ** 31),
          keep: f.keep,
        }),
      ),
    );
}
