import { isErrorCode } from '@multyagents/contracts';
import { request } from 'undici';
import { CliError, EXIT } from './errors.js';

export interface HttpOptions {
  /** Operator token (env MULTYAGENTS_OPERATOR_TOKEN) sent as a bearer token when set. */
  token?: string | null;
  timeoutMs?: number;
}

/** An HTTP answer that is not 2xx, kept whole so callers can branch on status and code. */
export class HttpError extends CliError {
  readonly status: number;
  readonly body: unknown;
  constructor(method: string, url: string, status: number, body: unknown) {
    const b = (body ?? {}) as { code?: string; detail?: unknown };
    const detail = typeof b.detail === 'string' ? b.detail : JSON.stringify(b.detail ?? body);
    const code = b.code !== undefined && isErrorCode(b.code) ? b.code : 'API_UNEXPECTED_ANSWER';
    super(code, `${method} ${new URL(url).pathname} answered ${status}: ${detail}`, {
      exitCode: status === 422 ? EXIT.usage : EXIT.api,
      details: body,
    });
    this.status = status;
    this.body = body;
  }
}

/** Response headers as undici gives them (names in lower case). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** One header's value (the first when repeated), or null. */
export function headerValue(headers: ResponseHeaders, name: string): string | null {
  const v = headers[name.toLowerCase()];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/** A small JSON client over undici: one line errors for refused connections and error answers. */
export class JsonClient {
  constructor(
    readonly baseUrl: string,
    private readonly opts: HttpOptions = {},
  ) {}

  get<T>(path: string, timeoutMs?: number): Promise<T> {
    return this.call<T>('GET', path, undefined, timeoutMs);
  }

  post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    return this.call<T>('POST', path, body, timeoutMs);
  }

  /** GET that also answers the response headers (lower-case names), e.g. a page's `x-total-count`. */
  async getWithHeaders<T>(path: string, timeoutMs?: number): Promise<{ body: T; headers: ResponseHeaders }> {
    const { body, headers } = await this.send('GET', path, undefined, timeoutMs);
    return { body: body as T, headers };
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    return (await this.send(method, path, body, timeoutMs)).body as T;
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    timeoutMs: number | undefined,
  ): Promise<{ body: unknown; headers: ResponseHeaders }> {
    const url = new URL(path, this.baseUrl).toString();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const ms = timeoutMs ?? this.opts.timeoutMs ?? 10_000;
    let res;
    try {
      res = await request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: ms,
        bodyTimeout: ms,
        signal: AbortSignal.timeout(ms),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code ?? e.name ?? 'error';
      throw new CliError('API_UNREACHABLE', `cannot reach ${this.baseUrl} (${method} ${path}: ${why})`, {
        hint: 'is the stack running? start it with `multyagents up`, or pass --api URL',
        exitCode: EXIT.api,
        details: e.message,
      });
    }
    const text = await res.body.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (res.statusCode >= 400) throw new HttpError(method, url, res.statusCode, parsed);
    return { body: parsed, headers: res.headers };
  }
}

/** GET a health URL: the parsed body when it answers 200 with status ok, null otherwise. */
export async function probeHealth(url: string, timeoutMs = 1000): Promise<Record<string, unknown> | null> {
  try {
    const body = await new JsonClient(url).get<Record<string, unknown>>('/health', timeoutMs);
    return body && body.status === 'ok' ? body : null;
  } catch {
    return null;
  }
}
