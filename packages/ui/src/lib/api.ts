/**
 * The panel's HTTP client: same origin as the API that serves it, the operator token (kept in
 * sessionStorage) on every call, and the API's `{code, detail}` kept on every error.
 */

const TOKEN_KEY = 'multyagents.operatorToken';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called on any 401: the app then asks for the token. */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export function notifyUnauthorized(): void {
  for (const fn of unauthorizedListeners) fn();
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    if (res.status === 401) notifyUnauthorized();
    const e = (json ?? {}) as { code?: unknown; detail?: unknown };
    throw new ApiError(
      res.status,
      typeof e.code === 'string' ? e.code : `HTTP_${res.status}`,
      typeof e.detail === 'string' ? e.detail : text.slice(0, 500),
    );
  }
  return json as T;
}
