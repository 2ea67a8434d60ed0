/**
 * The drills' HTTP client (undici). Every call is bounded; connection errors surface as exceptions so
 * a drill can tell "the API answered 409" from "the API is down". No keep-alive pool survives an API
 * restart badly: each client uses its own Agent with short keep-alive.
 */
import { Agent, request } from 'undici';
import { parseAnswer } from '@multyagents/control-plane/internal/lib/answer.js';

export interface Answer<T = any> {
  status: number;
  body: T;
}

export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} → ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

export class ApiClient {
  private readonly agent = new Agent({ keepAliveTimeout: 1000, connections: 16, connectTimeout: 2000 });

  constructor(
    public baseUrl: string,
    private readonly timeoutMs = 5000,
    private readonly headers: Record<string, string> = {},
  ) {}

  async call<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    p: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const url = `${this.baseUrl}${p}`;
    const res = await request(url, {
      method,
      dispatcher: this.agent,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...this.headers,
        ...extra,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: parseAnswer(text) as T };
  }

  /** 2xx or throw HttpError. */
  async ok<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', p: string, body?: unknown): Promise<T> {
    const a = await this.call<T>(method, p, body);
    if (a.status < 200 || a.status >= 300)
      throw new HttpError(method, `${this.baseUrl}${p}`, a.status, a.body);
    return a.body;
  }

  get<T = any>(p: string): Promise<T> {
    return this.ok<T>('GET', p);
  }

  post<T = any>(p: string, body: unknown = {}): Promise<T> {
    return this.ok<T>('POST', p, body);
  }

  /** Health answered 200 (false on any error). */
  async healthy(): Promise<boolean> {
    try {
      return (await this.call('GET', '/health')).status === 200;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
