import type { Command } from 'commander';
import { processEnv, resolveLogRotation } from '../../config/env.js';
import { resolveTelegramConfig, TELEGRAM_ENV } from '../../config/telegram.js';
import { createLogger } from '../../lib/logger.js';
import { TelegramClient } from '../../telegram/botApi.js';
import { TelegramBridge } from '../../telegram/bridge.js';
import { exitOnStartError, stopOnSignals } from '../foreground.js';
import { OPERATOR_ENV, operator, type ApiOptions } from '../operator.js';
import { resolveDataDir } from '../stack.js';
import { envHelp } from '../helpText.js';

/** `multyagents telegram`: the bridge in the foreground until SIGINT/SIGTERM. */
export async function runTelegram(opts: ApiOptions & { logLevel?: string }): Promise<void> {
  const env = processEnv();
  let bridge: TelegramBridge;
  const abort = new AbortController();
  let tgApi: string;
  try {
    // Under `up` stdout is logs/telegram.log: it rotates by size like the API's and the runners' logs.
    const log = createLogger({
      name: 'telegram',
      level: opts.logLevel ?? 'info',
      rotation: resolveLogRotation(env),
    });
    const cfg = resolveTelegramConfig(resolveDataDir(opts.dataDir, env), env);
    const { api, headers } = operator(opts, env);
    tgApi = cfg.apiUrl;
    const tg = new TelegramClient({ apiUrl: cfg.apiUrl, token: cfg.botToken, signal: abort.signal });
    bridge = new TelegramBridge({ cfg, api, headers, tg, log, signal: abort.signal });
    process.stdout.write(
      `[telegram] bridging ${api.baseUrl} to ${tgApi} for chats ${cfg.chatIds.join(', ')}; state ${cfg.statePath}\n`,
    );
  } catch (err) {
    exitOnStartError('telegram', err);
  }
  const done = bridge.run();
  stopOnSignals('telegram', {
    forceAfterMs: 10_000,
    stop: async () => {
      abort.abort();
      await done;
    },
  });
  await done;
}

export function registerTelegramCommand(program: Command): void {
  program
    .command('telegram')
    .description(
      'run the Telegram bridge in the foreground: notifications to the allowed chats, commands and approval buttons from them',
    )
    .option(
      '--api <url>',
      'API base URL (default: $MULTYAGENTS_API_URL, the stack in --data-dir, else :48000)',
    )
    .option(
      '--data-dir <dir>',
      'data dir: the stack that gives the API URL, and telegram-state.json (default .multyagents)',
    )
    .option('--log-level <level>', 'log level (default info)')
    .addHelpText(
      'after',
      `\nStops cleanly on SIGINT/SIGTERM. Exit code 2 when the configuration is invalid (e.g. CONFIG_INVALID: no bot token). See docs/telegram.md.${envHelp([...TELEGRAM_ENV, ...OPERATOR_ENV])}`,
    )
    .action(async (opts: ApiOptions & { logLevel?: string }) => runTelegram(opts));
}
