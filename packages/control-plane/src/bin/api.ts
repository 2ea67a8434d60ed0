import { Command } from 'commander';
import { registerApiCommand } from '../cli/commands/api.js';

/**
 * `multyagents api …` on its own: the entry the launcher loads, from the bundle when it is fresh
 * (scripts/bundle.mjs), else from dist/. Resolves once the API is listening.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command().name('multyagents');
  registerApiCommand(program);
  await program.parseAsync(argv);
}
