import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerApprovalsCommand } from './commands/approvals.js';
import { registerApiCommand } from './commands/api.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerRaceStressCommand } from './commands/raceStress.js';
import { registerRestartPersistenceCommand } from './commands/restartPersistence.js';
import { registerStressSmokeCommand } from './commands/stressSmoke.js';
import { registerChaosCommand } from './commands/chaos.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerDownCommand } from './commands/down.js';
import { registerDrillsCommand } from './commands/drills.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerE2eCommand } from './commands/e2e.js';
import { registerInitProjectCommand } from './commands/initProject.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerRestartCommand } from './commands/restart.js';
import { registerRunCommand } from './commands/run.js';
import { registerRunnerCommand } from './commands/runner.js';
import { registerRunnersCommand } from './commands/runners.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerTasksCommand } from './commands/tasks.js';
import { registerTelegramCommand } from './commands/telegram.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTestCommand } from './commands/test.js';
import { registerUpCommand } from './commands/up.js';
import { EXIT } from './errors.js';

/** The package's version (dist/cli/main.js → packages/control-plane/package.json). */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The launcher: one subcommand per module in ./commands. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('multyagents')
    .description('Local-first control plane for teams of AI agents')
    .version(VERSION, '-V, --version', 'print the version of multyagents')
    .option('--verbose', 'on errors, print details and the stack trace')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    // Usage errors (unknown option, missing argument) exit 2, like every invalid input (docs/cli.md).
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : EXIT.usage));
  registerUpCommand(program);
  registerDownCommand(program);
  registerStatusCommand(program);
  registerRestartCommand(program);
  registerLogsCommand(program);
  registerDoctorCommand(program);
  registerRunCommand(program);
  registerWatchCommand(program);
  registerRunsCommand(program);
  registerTasksCommand(program);
  registerApprovalsCommand(program);
  registerRunnersCommand(program);
  registerDrillsCommand(program);
  registerTelegramCommand(program);
  registerInitProjectCommand(program);
  registerE2eCommand(program);
  registerDemoCommand(program);
  registerChaosCommand(program);
  registerApiCommand(program);
  registerRunnerCommand(program);
  registerTestCommand(program);
  registerBenchCommand(program);
  registerRaceStressCommand(program);
  registerStressSmokeCommand(program);
  registerRestartPersistenceCommand(program);
  program
    .command('help [command]')
    .description('show help for a command')
    .action((cmd?: string) => {
      const sub = cmd ? program.commands.find((c) => c.name() === cmd) : undefined;
      if (cmd && !sub) {
        process.stderr.write(
          `multyagents help: USAGE: unknown command "${cmd}" — see \`multyagents help\`\n`,
        );
        process.exit(EXIT.usage);
      }
      (sub ?? program).outputHelp();
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
