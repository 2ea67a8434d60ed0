import { useEffect, useState } from 'react';

/**
 * A page's own state kept in the query after its hash route (`#/tasks?status=failed&before_id=90`), so a
 * filtered page is a link that can be shared, and Back returns to the previous filter or page.
 */
export function readHashQuery(hash = window.location.hash): URLSearchParams {
  const i = hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : hash.slice(i + 1));
}

/** `params` with empty values left out; the route is the hash's path (`/tasks`). */
export function hashWith(route: string, params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#${route}${s ? `?${s}` : ''}`;
}

/** The current hash query, updated on every `hashchange`. */
export function useHashQuery(): URLSearchParams {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return readHashQuery(hash);
}
