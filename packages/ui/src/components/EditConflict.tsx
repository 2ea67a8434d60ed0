/**
 * A save refused because the item changed since the edit started. What was typed stays in the form;
 * the operator picks: take the stored version (discarding the edit) or save the edit over it.
 */
export function EditConflict(props: { busy?: boolean; onReload: () => void; onOverwrite: () => void }) {
  return (
    <div className="error edit-conflict" role="alert">
      <p>
        <code>EDIT_CONFLICT</code>: changed by someone else since you opened it. Your changes are still in the
        form; nothing was saved.
      </p>
      <button type="button" disabled={props.busy} onClick={props.onReload}>
        Reload theirs
      </button>{' '}
      <span className="muted">(discard mine)</span>{' '}
      <button type="button" className="danger" disabled={props.busy} onClick={props.onOverwrite}>
        Overwrite
      </button>{' '}
      <span className="muted">(save mine over theirs)</span>
    </div>
  );
}

/** A delete refused because the item changed since its confirmation opened: nothing was deleted. */
export function DeleteConflict({ what }: { what: string }) {
  return (
    <div className="error edit-conflict" role="alert">
      <code>EDIT_CONFLICT</code>: {what} was changed by someone else since you opened it. Nothing was deleted;
      look at it again and delete it once more if you still mean to.
    </div>
  );
}
