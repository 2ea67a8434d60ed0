import type { Env } from '../config/env.js';
import { usageError } from './errors.js';
import { JsonClient } from './http.js';
import { apiUrl, DEFAULT_API_PORT, readStack, resolveDataDir } from './stack.js';

/** `--api URL`, else MULTYAGENTS_API_URL, else the stack in the data dir, else the default port. */
export function resolveApiUrl(opts: { api?: string; dataDir?: string }, env: Env): string {
  let url = opts.api || env.MULTYAGENTS_API_URL;
  if (!url) {
    const stack = readStack(resolveDataDir(opts.dataDir, env));
    url = stack ? apiUrl(stack) : `http://127.0.0.1:${DEFAULT_API_PORT}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--api must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`--api must be an http(s) URL, got "${url}"`);
  }
  return url.replace(/\/+$/, '');
}

export function operatorClient(url: string, env: Env): JsonClient {
  return new JsonClient(url, { token: env.MULTYAGENTS_OPERATOR_TOKEN || null });
}

/** The operator token as a header, for requests made outside JsonClient (the event stream). */
export function operatorHeaders(env: Env): Record<string, string> {
  return env.MULTYAGENTS_OPERATOR_TOKEN ? { authorization: `Bearer ${env.MULTYAGENTS_OPERATOR_TOKEN}` } : {};
}
