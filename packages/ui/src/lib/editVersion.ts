import { useCallback, useEffect, useRef, useState } from 'react';
import { apiWithEtag, conflictEtag, ApiError } from './api';

export interface EditVersion<T> {
  /** The version the edit started from (null until the item's GET answered). */
  etag: string | null;
  /** Set after a save was refused with EDIT_CONFLICT: the version stored now. */
  conflict: string | null;
  /** The item's GET failed. */
  loadError: ApiError | null;
  /** PUT with If-Match (the loaded version; `overwrite`: the version the conflict named). Null: refused. */
  put(body: unknown, overwrite?: boolean): Promise<T | null>;
  /** Re-read the stored item ("Reload theirs"): its body becomes the new starting point. */
  reload(): Promise<T>;
}

/**
 * Optimistic concurrency for an edit form: the item is read (`GET path`) when the edit starts, for its
 * ETag; a save sends it as If-Match; a 412 keeps the form as typed and names the stored version, which
 * an explicit "Overwrite" then sends. `onLoaded` gets the item read, to start the form from it.
 * `path` null: not an edit (a create).
 */
export function useEditVersion<T>(path: string | null, onLoaded?: (item: T) => void): EditVersion<T> {
  const [etag, setEtag] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const loadedRef = useRef(onLoaded);
  loadedRef.current = onLoaded;

  useEffect(() => {
    if (path === null) return;
    let live = true;
    apiWithEtag<T>('GET', path).then(
      (r) => {
        if (!live) return;
        setEtag(r.etag);
        loadedRef.current?.(r.data);
      },
      (err: unknown) => {
        if (live) setLoadError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
      },
    );
    return () => {
      live = false;
    };
  }, [path]);

  const put = useCallback(
    async (body: unknown, overwrite = false): Promise<T | null> => {
      if (path === null) throw new Error('not an edit');
      try {
        const r = await apiWithEtag<T>('PUT', path, body, { ifMatch: overwrite ? conflict : etag });
        setEtag(r.etag);
        setConflict(null);
        return r.data;
      } catch (err) {
        const now = conflictEtag(err);
        if (now === null) throw err;
        setConflict(now);
        return null;
      }
    },
    [path, etag, conflict],
  );

  const reload = useCallback(async (): Promise<T> => {
    if (path === null) throw new Error('not an edit');
    const r = await apiWithEtag<T>('GET', path);
    setEtag(r.etag);
    setConflict(null);
    return r.data;
  }, [path]);

  return { etag, conflict, loadError, put, reload };
}
