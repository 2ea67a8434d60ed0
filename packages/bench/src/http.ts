import { Agent, request } from 'undici';
import { parseAnswer } from '@multyagents/control-plane/internal/lib/answer.js';

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export class HttpStatusError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/**
 * The benchmark's HTTP client: undici `request` over one keep-alive Agent, so a measured round trip
 * never includes a TCP handshake. `connections` bounds the sockets (open-loop load needs several).
 */
export class BenchClient {
  readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    opts: { connections?: number; headers?: Record<string, string>; timeoutMs?: number } = {},
  ) {
    this.agent = new Agent({ connections: opts.connections ?? 8, keepAliveTimeout: 30_000, pipelining: 1 });
    this.headers = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  /** Sent with every later call (a stub runner's own credential, once registration issued it). */
  setHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  /** Any status; throws only when the request cannot be made (connection refused, timeout). */
  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>> {
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headers: headers ? { ...this.headers, ...headers } : this.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: parseAnswer(text) as T };
  }

  /** 2xx or throw HttpStatusError. */
  async ok<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const r = await this.call<T>(method, path, body, headers);
    if (r.status < 200 || r.status >= 300) throw new HttpStatusError(method, path, r.status, r.body);
    return r.body;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.ok<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown = {}): Promise<T> {
    return this.ok<T>('POST', path, body);
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  /** Drop every socket now, in-flight requests included (close() would wait for their answers). */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}
