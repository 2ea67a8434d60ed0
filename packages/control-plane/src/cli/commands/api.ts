import type { Command } from 'commander';
import { resolveApiConfig } from '../../config/api.js';
import { processEnv } from '../../config/env.js';
import { exitOnStartError, stopOnSignals } from '../foreground.js';
import { armFromSpec } from '../../lib/faults.js';

export function registerApiCommand(program: Command): void {
  program
    .command('api')
    .description('run the API (store, scheduler, reconciler) in the foreground')
    .option('--port <port>', 'port to listen on (env MULTYAGENTS_API_PORT, default 48000)')
    .option('--host <host>', 'address to bind (env MULTYAGENTS_API_HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'data dir (env MULTYAGENTS_DATA_DIR, default .multyagents)')
    .option('--public-url <url>', 'URL runners use to reach this API (env MULTYAGENTS_PUBLIC_URL)')
    .option('--dispatch <mode>', 'auto | manual (env MULTYAGENTS_DISPATCH_MODE, default auto)')
    .option('--runner-auth <on|off>', 'require the runner token on runner endpoints (default on)')
    .option(
      '--insecure-no-auth',
      'serve a non-loopback --host without an operator token or with --runner-auth off (env MULTYAGENTS_INSECURE_NO_AUTH=1)',
    )
    .option('--durability <mode>', 'full | relaxed (env MULTYAGENTS_DURABILITY, default full)')
    .option('--log-level <level>', 'log level (env MULTYAGENTS_LOG_LEVEL, default info)')
    .option('--log-file <file>', 'write logs to this file instead of stdout')
    .option(
      '--project-roots <dirs>',
      "colon-separated directories project roots must be inside (env MULTYAGENTS_PROJECT_ROOTS; default: home and the data dir's parent)",
    )
    .action(async (opts) => {
      const env = processEnv();
      armFromSpec(env.MULTYAGENTS_FAULTS);
      try {
        const config = resolveApiConfig(opts, env);
        // Loaded here, not at the top: every other launcher command imports this module too.
        const { startApi } = await import('../../api/server.js');
        const api = await startApi(config);
        if (config.insecureNoAuth) {
          process.stderr.write(
            `[api] WARNING: --insecure-no-auth: ${config.host} may serve operator and runner routes to anyone who can reach it.\n`,
          );
        }
        if (!config.runnerAuth) {
          process.stderr.write(
            '[api] WARNING: --runner-auth off: runner endpoints accept reports without X-Runner-Token. Use only on a trusted loopback setup.\n',
          );
        }
        process.stdout.write(
          `[api] listening on ${api.url} data-dir=${config.dataDir} dispatch=${config.dispatchMode} durability=${config.durability}\n`,
        );
        stopOnSignals('api', { stop: () => api.stop(), forceAfterMs: 10_000 });
        await api.ready;
      } catch (err) {
        exitOnStartError('api', err);
      }
    });
}
