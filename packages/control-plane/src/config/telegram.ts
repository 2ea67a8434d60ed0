/**
 * The Telegram bridge's settings (`multyagents telegram`), resolved once from the environment: the bot
 * token, the chat allow-list, the Bot API URL, what to notify, the long-poll timeout, the state file.
 */
import path from 'node:path';
import { AppError } from '../lib/errors.js';
import { pickInt, pickString, type Env } from './env.js';

export const NOTIFY_KINDS = ['failed', 'approvals', 'runners', 'succeeded', 'control'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];
export const DEFAULT_NOTIFY: readonly NotifyKind[] = ['failed', 'approvals', 'runners'];
export const DEFAULT_TELEGRAM_API_URL = 'https://api.telegram.org';
export const TELEGRAM_STATE_FILE = 'telegram-state.json';

export const TELEGRAM_ENV = [
  'MULTYAGENTS_TELEGRAM_BOT_TOKEN',
  'MULTYAGENTS_TELEGRAM_CHAT_IDS',
  'MULTYAGENTS_TELEGRAM_API_URL',
  'MULTYAGENTS_TELEGRAM_NOTIFY',
  'MULTYAGENTS_TELEGRAM_POLL_TIMEOUT',
];

export interface TelegramConfig {
  botToken: string;
  /** Messages go to these chats; updates from any other chat are ignored. */
  chatIds: number[];
  /** Bot API base URL without a trailing slash. */
  apiUrl: string;
  notify: Set<NotifyKind>;
  /** getUpdates long-poll timeout in seconds. */
  pollTimeoutSec: number;
  statePath: string;
}

function invalid(message: string): AppError {
  return new AppError('CONFIG_INVALID', message);
}

export function parseChatIds(raw: string | undefined): number[] {
  const parts = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw invalid('MULTYAGENTS_TELEGRAM_CHAT_IDS is required: comma-separated chat ids (e.g. 12345,-100987)');
  return parts.map((p) => {
    if (!/^-?\d{1,20}$/.test(p) || !Number.isSafeInteger(Number(p)))
      throw invalid(`MULTYAGENTS_TELEGRAM_CHAT_IDS: "${p}" is not a numeric chat id`);
    return Number(p);
  });
}

export function parseNotify(raw: string | undefined): Set<NotifyKind> {
  if (raw === undefined || raw.trim() === '') return new Set(DEFAULT_NOTIFY);
  const out = new Set<NotifyKind>();
  for (const p of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (p === 'none') continue;
    if (!(NOTIFY_KINDS as readonly string[]).includes(p))
      throw invalid(`MULTYAGENTS_TELEGRAM_NOTIFY: "${p}" is not one of ${NOTIFY_KINDS.join(', ')}, none`);
    out.add(p as NotifyKind);
  }
  return out;
}

export function resolveTelegramConfig(dataDir: string, env: Env): TelegramConfig {
  const botToken = (env.MULTYAGENTS_TELEGRAM_BOT_TOKEN ?? '').trim();
  if (!botToken) throw invalid('MULTYAGENTS_TELEGRAM_BOT_TOKEN is required (the token BotFather gave)');
  // The token is part of every Bot API path: a slash or a space would change the URL.
  if (!/^[A-Za-z0-9:_-]+$/.test(botToken))
    throw invalid('MULTYAGENTS_TELEGRAM_BOT_TOKEN has characters a bot token never has');
  const apiUrl = pickString(undefined, env.MULTYAGENTS_TELEGRAM_API_URL, DEFAULT_TELEGRAM_API_URL);
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw invalid(`MULTYAGENTS_TELEGRAM_API_URL must be an http(s) URL, got "${apiUrl}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(`MULTYAGENTS_TELEGRAM_API_URL must be an http(s) URL, got "${apiUrl}"`);
  return {
    botToken,
    chatIds: parseChatIds(env.MULTYAGENTS_TELEGRAM_CHAT_IDS),
    apiUrl: apiUrl.replace(/\/+$/, ''),
    notify: parseNotify(env.MULTYAGENTS_TELEGRAM_NOTIFY),
    pollTimeoutSec: pickInt(
      'MULTYAGENTS_TELEGRAM_POLL_TIMEOUT',
      undefined,
      env.MULTYAGENTS_TELEGRAM_POLL_TIMEOUT,
      30,
      0,
      50,
    ),
    statePath: path.join(dataDir, TELEGRAM_STATE_FILE),
  };
}
