#!/usr/bin/env node
/**
 * Entry point. The two long-running processes (`api`, `runner`) load only their own command module,
 * so that a restart after a crash does not pay for loading the drills, benchmarks and launcher.
 */
import { Command } from 'commander';

async function fastPath(name: string): Promise<boolean> {
  if (name !== 'api' && name !== 'runner') return false;
  const program = new Command().name('multyagents');
  if (name === 'api') (await import('../cli/commands/api.js')).registerApiCommand(program);
  else (await import('../cli/commands/runner.js')).registerRunnerCommand(program);
  await program.parseAsync(process.argv);
  return true;
}

async function run(): Promise<void> {
  if (await fastPath(process.argv[2] ?? '')) return;
  const { main } = await import('../cli/main.js');
  await main(process.argv);
}

run().catch((err: unknown) => {
  process.stderr.write(`multyagents: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
