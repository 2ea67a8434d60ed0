import type { Command } from 'commander';
import { processEnv } from '../../config/env.js';
import { EXIT, formatError } from '../errors.js';
import { loadTooling } from '../tooling.js';

/**
 * `multyagents chaos`: the options live here, the drills in @multyagents/drills (loaded on use). Progress
 * per drill on stderr, then one JSON document on stdout, then the last line `[chaos] PASS` or
 * `[chaos] FAIL`. Exit 0 only on PASS (1 on FAIL, 2 on a usage error, 3 without the drills package).
 */
export function registerChaosCommand(program: Command): void {
  program
    .command('chaos')
    .description(
      'break a private API + runners on purpose during active runs and prove the outcome (see docs/drills.md)',
    )
    .option('--only <ids>', 'run only these drills (comma-separated ids; see --list)')
    .option('--seed <n>', 'seed of the fault schedule (default 1; the same seed replays the same schedule)')
    .option('--json <file>', 'also write the JSON report to this file')
    .option('--list', 'list the drills and exit')
    .option(
      '--keep',
      "keep every drill's data dir (store, runner journals), not only those of drills that did not pass",
    )
    .option(
      '--evidence-dir <dir>',
      'where the per-invocation evidence folder is created (default .multyagents/chaos)',
    )
    .option(
      '--toxiproxy-api [port]',
      'instead of drills: serve the fault proxy with a Toxiproxy-compatible HTTP API on 127.0.0.1 (default 8474)',
    )
    .action(async (flags: Record<string, unknown>) => {
      // A command that outlives its action (the Toxiproxy-compatible server), so no action() wrapper.
      const drills = await loadTooling('drills', 'chaos').catch((err: unknown) => {
        process.stderr.write(`${formatError('chaos', err)}\n`);
        return process.exit(EXIT.conflict);
      });
      await drills.chaosCommand(flags, processEnv(), process.cwd());
    });
}
