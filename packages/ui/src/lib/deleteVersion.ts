import { useCallback, useEffect, useRef, useState } from 'react';
import { apiWithEtag, conflictEtag, ApiError } from './api';

export interface DeleteVersion {
  /** The item's version was read (the confirmation may send the delete). */
  ready: boolean;
  /** The last delete was refused with EDIT_CONFLICT: the item changed since the confirmation opened. */
  conflict: boolean;
  /** Reading the item's version failed (it may be gone already). */
  loadError: ApiError | null;
  /** The confirmation opens: read the item (`GET path`) for the version the delete will name. */
  open(): void;
  /** The confirmation closes without deleting. */
  close(): void;
  /** DELETE with If-Match. True: deleted; false: refused with EDIT_CONFLICT. Other errors are thrown. */
  remove(): Promise<boolean>;
}

/**
 * Optimistic concurrency for a delete: lists carry no ETag, so the item is read when the confirmation
 * opens, and the delete applies only to that version. A change made meanwhile (by another tab, the CLI
 * or an agent) refuses the delete (412); the operator looks again before deleting.
 */
export function useDeleteVersion(path: string): DeleteVersion {
  const [version, setVersion] = useState<{ etag: string | null } | null>(null);
  const [conflict, setConflict] = useState(false);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  // Each open() counts; an answer to an older read (or one after unmount) is dropped.
  const reads = useRef(0);
  useEffect(
    () => () => {
      reads.current += 1;
    },
    [],
  );

  const open = useCallback(() => {
    const mine = ++reads.current;
    setVersion(null);
    setLoadError(null);
    setConflict(false);
    apiWithEtag<unknown>('GET', path).then(
      (r) => {
        if (reads.current === mine) setVersion({ etag: r.etag });
      },
      (err: unknown) => {
        if (reads.current === mine)
          setLoadError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
      },
    );
  }, [path]);

  const close = useCallback(() => {
    reads.current += 1;
    setVersion(null);
    setLoadError(null);
  }, []);

  const remove = useCallback(async (): Promise<boolean> => {
    if (version === null) throw new Error('the item was not read yet');
    try {
      await apiWithEtag<null>('DELETE', path, undefined, { ifMatch: version.etag });
      return true;
    } catch (err) {
      if (conflictEtag(err) === null) throw err;
      setConflict(true);
      return false;
    }
  }, [path, version]);

  return { ready: version !== null, conflict, loadError, open, close, remove };
}
