import type { Command } from 'commander';
import { resolveApiConfig } from '../../config/api.js';
import { processEnv } from '../../config/env.js';
import { startApi } from '../../api/server.js';
import { isAppError } from '../../lib/errors.js';
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
    .option('--durability <mode>', 'full | relaxed (env MULTYAGENTS_DURABILITY, default full)')
    .option('--log-level <level>', 'log level (env MULTYAGENTS_LOG_LEVEL, default info)')
    .option('--log-file <file>', 'write logs to this file instead of stdout')
    .action(async (opts) => {
      const env = processEnv();
      armFromSpec(env.MULTYAGENTS_FAULTS);
      try {
        const config = resolveApiConfig(opts, env);
        const api = await startApi(config);
        if (!config.runnerAuth) {
          process.stderr.write(
            '[api] WARNING: --runner-auth off: runner endpoints accept reports without X-Runner-Token. Use only on a trusted loopback setup.\n',
          );
        }
        process.stdout.write(
          `[api] listening on ${api.url} data-dir=${config.dataDir} dispatch=${config.dispatchMode} durability=${config.durability}\n`,
        );
        let stopping = false;
        const stop = (sig: string) => {
          if (stopping) return;
          stopping = true;
          process.stdout.write(`[api] ${sig}: stopping\n`);
          const force = setTimeout(() => process.exit(1), 10_000);
          force.unref();
          api.stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      } catch (err) {
        if (isAppError(err)) {
          process.stderr.write(`multyagents api: ${err.code}: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
    });
}
