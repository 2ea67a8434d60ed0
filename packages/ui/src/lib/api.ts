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
    /** The first bad field the API named (`field` of its error body), when it named one. */
    readonly field?: string,
    /** The whole error body, for codes that carry more (EDIT_CONFLICT's `current_etag`). */
    readonly body?: unknown,
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
  return (await request(method, path, body)).json as T;
}

/**
 * One page of a list whose API answers `x-total-count`, when an older page exists `x-next-before-id`,
 * and for a keyset page `x-page-offset` (rows newer than it) and, unless the newer page is the newest,
 * `x-prev-before-id`.
 */
export interface Page<T> {
  data: T;
  total: number | null;
  nextBeforeId: number | null;
  /** null from an API without the header (or an answer that is not a keyset page). */
  offset: number | null;
  prevBeforeId: number | null;
}

export async function apiPage<T>(path: string): Promise<Page<T>> {
  const { json, headers } = await request('GET', path);
  const int = (name: string) => {
    const v = headers.get(name);
    return v !== null && /^\d+$/.test(v) ? Number(v) : null;
  };
  return {
    data: json as T,
    total: int('x-total-count'),
    nextBeforeId: int('x-next-before-id'),
    offset: int('x-page-offset'),
    prevBeforeId: int('x-prev-before-id'),
  };
}

async function request(
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<{ json: unknown; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
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
    const e = (json ?? {}) as { code?: unknown; detail?: unknown; message?: unknown; field?: unknown };
    // A validation error's `detail` is a list (v1's shape); its `message` is the one-line summary.
    const detail =
      typeof e.detail === 'string'
        ? e.detail
        : typeof e.message === 'string'
          ? e.message
          : text.slice(0, 500);
    throw new ApiError(
      res.status,
      typeof e.code === 'string' ? e.code : `HTTP_${res.status}`,
      detail,
      typeof e.field === 'string' ? e.field : undefined,
      json,
    );
  }
  return { json, headers: res.headers };
}

/** An item with its version: the `ETag` the API answered (null when it sent none). */
export interface Versioned<T> {
  data: T;
  etag: string | null;
}

/**
 * A call that reads the answer's `ETag` and, given `ifMatch`, sends `If-Match`: the catalogue's edits
 * (projects, roles, skill packs, workflow templates) apply only to the version they were made from.
 */
export async function apiWithEtag<T>(
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  opts: { ifMatch?: string | null } = {},
): Promise<Versioned<T>> {
  const extra: Record<string, string> = opts.ifMatch ? { 'if-match': opts.ifMatch } : {};
  const { json, headers } = await request(method, path, body, extra);
  return { data: json as T, etag: headers.get('etag') };
}

/** The version an EDIT_CONFLICT (412) names as current; null for any other error. */
export function conflictEtag(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.code !== 'EDIT_CONFLICT') return null;
  const now = (err.body as { current_etag?: unknown } | null | undefined)?.current_etag;
  return typeof now === 'string' ? now : null;
}
