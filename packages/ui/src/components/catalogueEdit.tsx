import { useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../lib/api';
import { useEditVersion } from '../lib/editVersion';
import type { FieldErrors } from '../lib/roleForm';
import { ErrorBox } from './common';
import { EditConflict } from './EditConflict';
import { toApiError } from './form';

interface Named {
  id: number;
  name: string;
}

export interface CatalogueEditOptions<T extends Named> {
  /** What the item is called in labels and messages: "role", "project", "skill pack". */
  noun: string;
  /** The collection: a create POSTs to it, an edit reads and PUTs `${collection}/${item.id}`. */
  collection: string;
  /** The item edited; undefined: a create. */
  item: T | undefined;
  /** Put a stored item into the form (when the edit opens, unless typed into already, and on "Reload theirs"). */
  show: (item: T) => void;
  /** The form's body, or null with the fields' errors (then nothing is sent). */
  check: () => { body: object | null; errors: FieldErrors };
  /** Empty the form after a create. */
  reset: () => void;
  onSaved?: (item: T) => void;
}

export interface CatalogueEdit {
  editing: boolean;
  noun: string;
  item: Named | undefined;
  busy: boolean;
  errors: FieldErrors;
  error: ApiError | null;
  done: string | null;
  /** The edit's version was read (a create is always ready). */
  ready: boolean;
  loadError: ApiError | null;
  conflict: boolean;
  /** Something was typed: the item read when the edit opened no longer replaces the form. */
  touch(): void;
  /** Create, or save the edit with If-Match (`overwrite`: the version a conflict named). */
  submit(overwrite?: boolean): Promise<void>;
  /** "Reload theirs": the stored item replaces the form. */
  reloadTheirs(): Promise<void>;
}

/**
 * The wiring every catalogue form shares: an edit starts from the item read with its version
 * (`useEditVersion`), a save sends that version as If-Match, a 412 EDIT_CONFLICT keeps the draft and
 * offers Reload theirs / Overwrite, and the API's refusals show with their code.
 */
export function useCatalogueEdit<T extends Named>(o: CatalogueEditOptions<T>): CatalogueEdit {
  const editing = o.item !== undefined;
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const touched = useRef(false);
  const version = useEditVersion<T>(editing ? `${o.collection}/${o.item!.id}` : null, (item) => {
    if (!touched.current) o.show(item);
  });

  const reloadTheirs = async () => {
    setError(null);
    setBusy(true);
    try {
      const item = await version.reload();
      touched.current = false;
      o.show(item);
      setErrors({});
      setDone(`${o.noun} ${item.name} reloaded`);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (overwrite = false) => {
    setError(null);
    setDone(null);
    const { body, errors: errs } = o.check();
    setErrors(errs);
    if (!body) return;
    setBusy(true);
    try {
      const item = editing ? await version.put(body, overwrite) : await api<T>('POST', o.collection, body);
      if (item === null) return;
      setDone(`${o.noun} ${item.name} ${editing ? 'saved' : 'created'}`);
      if (!editing) o.reset();
      o.onSaved?.(item);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return {
    editing,
    noun: o.noun,
    item: o.item,
    busy,
    errors,
    error,
    done,
    ready: !editing || version.etag !== null,
    loadError: version.loadError,
    conflict: version.conflict !== null,
    touch: () => {
      touched.current = true;
    },
    submit,
    reloadTheirs,
  };
}

/**
 * The frame of a catalogue form: its heading, the fields (`children`), Save/Create and Close, then
 * `notice` (e.g. how many fields need fixing), the API's refusal, the conflict box and what was done.
 */
export function CatalogueForm(props: {
  edit: CatalogueEdit;
  className?: string;
  /** The fields allow a submit (e.g. a name was typed). */
  filled: boolean;
  onCancel?: () => void;
  notice?: ReactNode;
  children: ReactNode;
}) {
  const { edit } = props;
  const { noun, item } = edit;
  return (
    <form
      className={props.className ?? 'card'}
      aria-label={item ? `Edit ${noun} ${item.name}` : `New ${noun}`}
      onSubmit={(e) => {
        e.preventDefault();
        void edit.submit();
      }}
    >
      <h3>{item ? `Edit ${noun} ${item.name} #${item.id}` : `New ${noun}`}</h3>
      {props.children}
      <button type="submit" disabled={edit.busy || !props.filled || !edit.ready}>
        {item ? `Save ${noun}` : `Create ${noun}`}
      </button>{' '}
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          Close
        </button>
      )}
      {props.notice}
      <ErrorBox error={edit.error} />
      <ErrorBox error={edit.loadError} />
      {edit.conflict && (
        <EditConflict
          busy={edit.busy}
          onReload={() => void edit.reloadTheirs()}
          onOverwrite={() => void edit.submit(true)}
        />
      )}
      {edit.done && (
        <span className="ok" role="status">
          {edit.done}
        </span>
      )}
    </form>
  );
}
