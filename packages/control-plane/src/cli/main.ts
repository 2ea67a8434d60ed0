import { Command } from 'commander';
import { registerApiCommand } from './commands/api.js';
import { registerTestCommand } from './commands/test.js';

/** The launcher: one subcommand per module in ./commands. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('multyagents')
    .description('Local-first control plane for teams of AI agents')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerApiCommand(program);
  registerTestCommand(program);
  program
    .command('help [command]')
    .description('show help for a command')
    .action((cmd?: string) => {
      const sub = cmd ? program.commands.find((c) => c.name() === cmd) : undefined;
      (sub ?? program).outputHelp();
    });
  await program.parseAsync(argv);
}
