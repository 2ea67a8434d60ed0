import type { RunnerConfig } from '../config/runner.js';
import { argvExecutor, commandArgv, promptArg } from './command.js';
import { mockExecutor } from './mock.js';
import type { Executor } from './types.js';

export type { Executor, ExecRequest, ExitInfo, RunningProcess } from './types.js';
export { ExecutorUnavailableError } from './types.js';

/** The executor the runner was configured with. */
export function createExecutor(config: RunnerConfig): Executor {
  const env = config.childEnv;
  switch (config.executor) {
    case 'mock':
      return mockExecutor();
    case 'command': {
      const template = config.commandArgv ?? [];
      return argvExecutor(
        {
          what: 'command',
          argv: (prompt) => commandArgv(template, prompt, config.commandPromptVia),
          promptVia: config.commandPromptVia,
          hint: 'fix --command-argv or MULTYAGENTS_COMMAND_ARGV',
        },
        env,
      );
    }
    case 'codex':
      // `codex exec` streams progress to stderr and prints the final message on stdout; stdin stays
      // /dev/null because piped stdin would be read as extra context.
      return argvExecutor(
        {
          what: 'codex',
          argv: (prompt) => [config.codexBin, 'exec', ...config.codexArgs, ...promptArg(prompt)],
          promptVia: 'arg',
          hint: 'install the Codex CLI or set --codex-bin / MULTYAGENTS_CODEX_BIN',
        },
        env,
      );
    case 'claude':
      return argvExecutor(
        {
          what: 'claude',
          argv: (prompt) => [
            config.claudeBin,
            '-p',
            '--output-format',
            'text',
            ...config.claudeArgs,
            ...promptArg(prompt),
          ],
          promptVia: 'arg',
          hint: 'install Claude Code or set --claude-bin / MULTYAGENTS_CLAUDE_BIN',
        },
        env,
      );
  }
}
