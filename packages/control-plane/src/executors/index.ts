import type { RunnerConfig } from '../config/runner.js';
import { agentExecutor } from './agentExecutor.js';
import { argvExecutor, commandArgv } from './command.js';
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
      return agentExecutor(
        {
          kind: 'codex',
          bin: config.codexBin,
          extra: config.codexArgs,
          hint: 'install the Codex CLI or set --codex-bin / MULTYAGENTS_CODEX_BIN',
        },
        env,
      );
    case 'claude':
      return agentExecutor(
        {
          kind: 'claude',
          bin: config.claudeBin,
          extra: config.claudeArgs,
          hint: 'install Claude Code or set --claude-bin / MULTYAGENTS_CLAUDE_BIN',
        },
        env,
      );
  }
}
