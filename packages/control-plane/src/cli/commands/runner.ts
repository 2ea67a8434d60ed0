import type { Command } from 'commander';
import { processEnv } from '../../config/env.js';
import { resolveRunnerConfig } from '../../config/runner.js';
import { exitOnStartError, stopOnSignals } from '../foreground.js';
import { armFromSpec } from '../../lib/faults.js';

export function registerRunnerCommand(program: Command): void {
  program
    .command('runner')
    .description('run a host runner in the foreground: accepts tasks from the API and runs the agents')
    .option('--port <port>', 'port to listen on (env MULTYAGENTS_RUNNER_PORT, default 48070)')
    .option('--host <host>', 'address to bind (env MULTYAGENTS_RUNNER_HOST, default 127.0.0.1)')
    .option('--public-url <url>', 'URL the API uses to reach this runner (default http://host:port)')
    .option('--api <url>', 'API base URL (env MULTYAGENTS_API_URL, default http://127.0.0.1:48000)')
    .option(
      '--data-dir <dir>',
      'runner data dir (env MULTYAGENTS_RUNNER_DATA_DIR, default .multyagents/runner-<port>)',
    )
    .option('--work-dir <dir>', 'working directory of no-workspace tasks (default <data-dir>/work)')
    .option(
      '--executor <name>',
      'mock | command | codex | claude (env MULTYAGENTS_RUNNER_EXECUTOR, default mock)',
    )
    .option('--capacity <n>', 'attempts run at once (env MULTYAGENTS_RUNNER_CAPACITY, default 4)')
    .option('--labels <a,b>', 'labels the scheduler can match (env MULTYAGENTS_RUNNER_LABELS)')
    .option('--name <name>', 'runner name (default <hostname>:<port>)')
    .option(
      '--heartbeat-ms <ms>',
      'heartbeat interval (default 1000; the API may set another at registration)',
    )
    .option(
      '--drain-ms <ms>',
      'on SIGTERM, how long running attempts may finish before they are canceled (default 10000)',
    )
    .option(
      '--kill-grace-ms <ms>',
      'SIGTERM → SIGKILL grace when killing an agent process tree (default 5000)',
    )
    .option(
      '--token <token>',
      'runner token (env MULTYAGENTS_RUNNER_TOKEN, or the file MULTYAGENTS_RUNNER_TOKEN_FILE, default .multyagents/runner-token)',
    )
    .option(
      '--ledger <file>',
      'effect ledger of the mock agent (env MULTYAGENTS_EFFECT_LEDGER, default <data-dir>/effects.jsonl)',
    )
    .option(
      '--command-argv <json>',
      'executor command: argv as a JSON array, e.g. \'["prog","--flag","{prompt}"]\'',
    )
    .option(
      '--command-prompt-via <how>',
      'executor command: arg | env (MULTYAGENTS_PROMPT) | stdin (default arg)',
    )
    .option('--codex-bin <path>', 'codex binary (env MULTYAGENTS_CODEX_BIN, default codex)')
    .option(
      '--codex-args <json>',
      "extra args of `codex exec --json …` before the role's agent_args, JSON array (default [])",
    )
    .option('--claude-bin <path>', 'claude binary (env MULTYAGENTS_CLAUDE_BIN, default claude)')
    .option(
      '--claude-args <json>',
      "extra args of `claude -p --output-format stream-json …` before the role's agent_args, JSON array",
    )
    .option(
      '--sandbox <mode>',
      'auto | bwrap | off: run workspace attempts in bubblewrap (env MULTYAGENTS_RUNNER_SANDBOX, default auto)',
    )
    .option('--bwrap-bin <path>', 'bubblewrap binary (env MULTYAGENTS_RUNNER_BWRAP_BIN, default bwrap)')
    .option(
      '--worktrees-dir <dir>',
      'git worktrees of isolated-worktree attempts (env MULTYAGENTS_RUNNER_WORKTREES_DIR, default <data-dir>/worktrees)',
    )
    .option(
      '--keep-worktrees <when>',
      'on-failure | always: keep a step worktree after success too (env MULTYAGENTS_RUNNER_KEEP_WORKTREES, default on-failure)',
    )
    .option(
      '--path-locks-dir <dir>',
      'host-wide path-lock registry (env MULTYAGENTS_RUNNER_PATH_LOCKS_DIR, default <tmpdir>/multyagents-path-locks)',
    )
    .option('--log-level <level>', 'log level (env MULTYAGENTS_LOG_LEVEL, default info)')
    .option('--log-file <file>', 'write logs to this file instead of stdout')
    .action(async (opts) => {
      const env = processEnv();
      armFromSpec(env.MULTYAGENTS_FAULTS);
      try {
        const config = resolveRunnerConfig(opts, env);
        // Loaded here, not at the top: every other launcher command imports this module too.
        const { startRunner } = await import('../../runner/index.js');
        const runner = await startRunner(config);
        if (!runner.executorCheck.ok) {
          process.stderr.write(
            `[runner] WARNING: executor '${config.executor}' cannot run here: ${runner.executorCheck.message}\n` +
              `[runner] tasks sent to this runner will fail at once (step spawn) until this is fixed\n`,
          );
        }
        process.stdout.write(
          `[runner] listening on ${runner.url} data-dir=${config.dataDir} executor=${config.executor} ` +
            `capacity=${config.capacity} api=${config.apiUrl}` +
            (runner.recovered ? ` recovered=${runner.recovered}` : '') +
            '\n',
        );
        stopOnSignals('runner', {
          stop: () => runner.stop(),
          forceAfterMs: config.drainMs + config.killGraceMs + 15_000,
          note: `draining (up to ${config.drainMs} ms), then stopping`,
        });
      } catch (err) {
        exitOnStartError('runner', err);
      }
    });
}
