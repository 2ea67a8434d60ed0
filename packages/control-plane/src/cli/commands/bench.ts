import type { Command } from 'commander';
import { action, usageError } from '../errors.js';
import { loadTooling } from '../tooling.js';

interface BenchFlags {
  quick?: boolean;
  json?: string;
  durability?: string;
  peer?: string;
  only?: string;
  keep?: boolean;
  installAgentClis?: boolean;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure latency, throughput and recovery on private loopback processes (B1–B8, B10–B15)')
    .option('--quick', 'short version (under 2 minutes); the full run takes under 15')
    .option('--json <file>', 'write the full results (machine, floors, every figure) as JSON')
    .option(
      '--durability <mode>',
      'full | relaxed: synchronous=FULL or NORMAL for the API store (default full)',
    )
    .option('--peer <name>', 'also measure a peer in the same run: graphile-worker (needs local PostgreSQL)')
    .option('--only <ids>', 'comma-separated metric ids to run, e.g. B1,B3 (default all)')
    .option('--keep', 'keep the temporary data dirs (logs, stores) for inspection')
    .option(
      '--install-agent-clis',
      'B11: install the pinned claude and codex CLIs into the cache when missing (≈ 800 MB)',
    )
    .addHelpText(
      'after',
      '\nStarts its own API and runner processes (and a load generator process) on free loopback ports\n' +
        'with temporary data dirs, prints a table and exits 1 if a correctness check inside a metric failed.\n' +
        'See docs/benchmarks.md for what each metric means.\n',
    )
    .action(
      action(async (flags: BenchFlags) => {
        const durability = flags.durability ?? 'full';
        if (durability !== 'full' && durability !== 'relaxed')
          throw usageError(`--durability must be full or relaxed, got "${durability}"`);
        if (flags.peer !== undefined && flags.peer !== 'graphile-worker')
          throw usageError(`--peer supports graphile-worker only, got "${flags.peer}"`);
        const only = flags.only
          ?.split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean);
        const bad = only?.filter((id) => !/^B([1-8]|1[0-5])$/.test(id));
        if (bad?.length) throw usageError(`--only takes metric ids B1..B8, B10..B15, got ${bad.join(', ')}`);
        // Loaded on use (here and in the stress commands): every `multyagents` process, the API's
        // too, imports main.ts and would otherwise pay for the benchmark's modules at start.
        const { runBench } = await loadTooling('bench', 'bench');
        return runBench({
          quick: flags.quick,
          json: flags.json,
          durability,
          peer: flags.peer,
          only,
          keep: flags.keep,
          installAgentClis: flags.installAgentClis,
        });
      }),
    );
}
