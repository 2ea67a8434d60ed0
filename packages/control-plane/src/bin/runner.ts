import { Command } from 'commander';
import { registerRunnerCommand } from '../cli/commands/runner.js';

/**
 * `multyagents runner …` on its own: the entry the launcher loads, from the bundle when it is fresh
 * (scripts/bundle.mjs), else from dist/. Resolves once the runner is listening.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command().name('multyagents');
  registerRunnerCommand(program);
  await program.parseAsync(argv);
}
