/**
 * A small Telegram Bot API client over undici: JSON POST to `<api>/bot<token>/<method>`. A 429 waits
 * `parameters.retry_after`; network errors and 5xx are retried with a backoff; both bounded. Error
 * messages never carry the URL (it holds the token).
 */
import { request } from 'undici';

export class TelegramError extends Error {
  constructor(
    readonly method: string,
    readonly status: number | null,
    readonly description: string,
    /** Worth another try later (network, 5xx, 429 past our retries). */
    readonly transient: boolean,
  ) {
    super(`telegram ${method}: ${status ?? 'no answer'} ${description}`);
    this.name = 'TelegramError';
  }
}

export interface TelegramClientOptions {
  apiUrl: string;
  token: string;
  /** Tries per call (429 and transient errors), at least 1. */
  maxAttempts?: number;
  /** The longest wait honoured for a 429 (seconds), so a stop is never held for long. */
  maxRetryAfterSec?: number;
  signal?: AbortSignal;
}

interface TgAnswer<T> {
  ok: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

export class TelegramClient {
  constructor(private readonly o: TelegramClientOptions) {}

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.o.signal;
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async call<T>(method: string, params: Record<string, unknown>, timeoutMs = 15_000): Promise<T> {
    const attempts = Math.max(1, this.o.maxAttempts ?? 5);
    let last: TelegramError | null = null;
    for (let i = 0; i < attempts; i++) {
      if (this.o.signal?.aborted) break;
      let status: number | null = null;
      let body: TgAnswer<T> | null = null;
      try {
        const res = await request(`${this.o.apiUrl}/bot${this.o.token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: this.o.signal,
        });
        status = res.statusCode;
        const text = await res.body.text();
        try {
          body = JSON.parse(text) as TgAnswer<T>;
        } catch {
          body = null;
        }
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        last = new TelegramError(method, null, e.code ?? e.name ?? 'network error', true);
        await this.sleep(Math.min(5000, 250 * 2 ** i));
        continue;
      }
      if (status === 200 && body?.ok) return body.result as T;
      const description = body?.description ?? `HTTP ${status}`;
      if (status === 429) {
        const after = Math.min(
          this.o.maxRetryAfterSec ?? 60,
          Math.max(0, body?.parameters?.retry_after ?? 1),
        );
        last = new TelegramError(method, status, description, true);
        await this.sleep(after * 1000);
        continue;
      }
      if (status >= 500) {
        last = new TelegramError(method, status, description, true);
        await this.sleep(Math.min(5000, 250 * 2 ** i));
        continue;
      }
      throw new TelegramError(method, status, description, false);
    }
    throw last ?? new TelegramError(method, null, 'stopped', true);
  }

  sendMessage(chatId: number, text: string, replyMarkup?: unknown): Promise<{ message_id: number }> {
    return this.call('sendMessage', {
      chat_id: chatId,
      text,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(replyMarkup ? { reply_markup: replyMarkup } : {}),
    });
  }

  editMessageText(chatId: number, messageId: number, text: string): Promise<unknown> {
    // No reply_markup: the buttons are removed once a decision is shown.
    return this.call('editMessageText', { chat_id: chatId, message_id: messageId, text, parse_mode: 'HTML' });
  }

  answerCallbackQuery(id: string, text?: string): Promise<unknown> {
    // Telegram shows at most 200 characters of a callback answer.
    return this.call('answerCallbackQuery', {
      callback_query_id: id,
      ...(text ? { text: text.slice(0, 200) } : {}),
    });
  }

  getUpdates<U>(offset: number | null, timeoutSec: number): Promise<U[]> {
    return this.call<U[]>(
      'getUpdates',
      {
        ...(offset !== null ? { offset } : {}),
        timeout: timeoutSec,
        allowed_updates: ['message', 'callback_query'],
      },
      (timeoutSec + 15) * 1000,
    );
  }
}
