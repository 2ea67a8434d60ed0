/** Env variables the launcher reads, for the "Environment:" section of each command's help. */
const ENV_DOCS: Record<string, string> = {
  MULTYAGENTS_DATA_DIR: 'data dir when --data-dir is not given (default .multyagents)',
  MULTYAGENTS_API_URL:
    'API base URL when --api is not given (default: from the stack, else http://127.0.0.1:48000)',
  MULTYAGENTS_OPERATOR_TOKEN:
    'sent as a bearer token to the API; the API started by `up` requires it when set',
  MULTYAGENTS_CODEX_BIN: 'path of the codex CLI checked by --executor codex (default: codex on PATH)',
  MULTYAGENTS_CLAUDE_BIN: 'path of the claude CLI checked by --executor claude (default: claude on PATH)',
  PATH: 'searched for the codex / claude binaries',
  MULTYAGENTS_TELEGRAM_BOT_TOKEN: 'the bot token from BotFather (required by `telegram`)',
  MULTYAGENTS_TELEGRAM_CHAT_IDS: 'comma-separated chat ids: notified, and the only ones obeyed (required)',
  MULTYAGENTS_TELEGRAM_API_URL: 'Bot API base URL (default https://api.telegram.org)',
  MULTYAGENTS_TELEGRAM_NOTIFY:
    'failed,approvals,runners,succeeded or none (default failed,approvals,runners)',
  MULTYAGENTS_TELEGRAM_POLL_TIMEOUT: 'getUpdates long-poll timeout in seconds, 0-50 (default 30)',
  NO_COLOR: 'disable colours and the spinner',
};

export function envHelp(names: string[]): string {
  const width = Math.max(...names.map((n) => n.length));
  return `\nEnvironment:\n${names.map((n) => `  ${n.padEnd(width)}  ${ENV_DOCS[n] ?? ''}`).join('\n')}\n`;
}
