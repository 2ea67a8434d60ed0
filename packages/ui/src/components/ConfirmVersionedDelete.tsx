import { useState } from 'react';
import type { ApiError } from '../lib/api';
import { useDeleteVersion } from '../lib/deleteVersion';
import { ErrorBox } from './common';
import { DeleteConflict } from './EditConflict';
import { toApiError } from './form';

/**
 * `ConfirmDelete` for a catalogue item (project, role, skill pack): opening the confirmation reads the
 * item's version (`GET path`), and "Yes, delete" sends it as If-Match. A 412 shows the conflict and
 * deletes nothing; any other refusal goes to `onError` (the page's error box).
 */
export function ConfirmVersionedDelete(props: {
  what: string;
  path: string;
  onDeleted?: () => void;
  onError: (err: ApiError | null) => void;
}) {
  const { what, path, onDeleted, onError } = props;
  const version = useDeleteVersion(path);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const ask = (on: boolean) => {
    setAsking(on);
    if (on) version.open();
    else version.close();
  };
  return (
    <>
      {!asking ? (
        <button type="button" onClick={() => ask(true)} aria-label={`Delete ${what}`}>
          Delete
        </button>
      ) : (
        <span className="confirm" role="group" aria-label={`Confirm deleting ${what}`}>
          Delete {what}?{' '}
          <button
            type="button"
            className="danger"
            disabled={busy || !version.ready}
            onClick={() => {
              setBusy(true);
              onError(null);
              version
                .remove()
                .then(
                  (deleted) => {
                    if (deleted) onDeleted?.();
                  },
                  (err: unknown) => onError(toApiError(err)),
                )
                .finally(() => {
                  setBusy(false);
                  ask(false);
                });
            }}
          >
            Yes, delete
          </button>{' '}
          <button type="button" autoFocus onClick={() => ask(false)}>
            Cancel
          </button>
          <ErrorBox error={version.loadError} />
        </span>
      )}
      {version.conflict && <DeleteConflict what={what} />}
    </>
  );
}
