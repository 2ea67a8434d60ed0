/** Form pieces shared by the catalogue pages (roles, projects, skill packs): labelled, keyboard reachable. */
import { useId, type ReactNode } from 'react';
import { ApiError } from '../lib/api';

export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err));
}

/** A field's client-side error, tied to its input by `aria-describedby`. */
export function FieldError({ id, msg }: { id: string; msg: string | undefined }) {
  if (!msg) return null;
  return (
    <span id={id} className="field-error" role="alert">
      {msg}
    </span>
  );
}

/** `aria-describedby` of an input: its hint, then its error, when present. */
function describedBy(id: string, hint: unknown, error: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-err` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** A labelled text or number input; its hint and error describe it (they are not part of its name). */
export function Field(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  hint?: ReactNode;
  inputMode?: 'numeric' | 'decimal';
  placeholder?: string;
  autoFocus?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        value={props.value}
        inputMode={props.inputMode}
        placeholder={props.placeholder}
        autoFocus={props.autoFocus}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && (
        <small id={`${id}-hint`} className="muted">
          {props.hint}
        </small>
      )}
      <FieldError id={`${id}-err`} msg={props.error} />
    </div>
  );
}

/** A textarea holding one item per line (a list field). */
export function LinesField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  rows?: number;
  hint?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="block">
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <small id={`${id}-hint`} className="muted">
          {' '}
          ({props.hint})
        </small>
      )}
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        cols={60}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <FieldError id={`${id}-err`} msg={props.error} />
    </div>
  );
}

/** A group of checkboxes picking values out of a catalogue; values not in it stay listed and ticked. */
export function CheckGroup(props: {
  legend: string;
  options: { value: string; title?: string }[];
  selected: string[];
  onChange: (v: string[]) => void;
  empty?: ReactNode;
  error?: string;
}) {
  const known = new Set(props.options.map((o) => o.value));
  const all: { value: string; title?: string }[] = [
    ...props.options,
    ...props.selected.filter((s) => !known.has(s)).map((value) => ({ value })),
  ];
  const toggle = (v: string, on: boolean) =>
    props.onChange(on ? [...props.selected, v] : props.selected.filter((s) => s !== v));
  return (
    <fieldset className="check-group">
      <legend>{props.legend}</legend>
      {all.length === 0 && <span className="muted">{props.empty ?? 'none to pick from'}</span>}
      {all.map((o) => (
        <label key={o.value} className="check" title={o.title}>
          <input
            type="checkbox"
            checked={props.selected.includes(o.value)}
            onChange={(e) => toggle(o.value, e.target.checked)}
          />{' '}
          {o.value}
          {!known.has(o.value) && <span className="muted"> (not in the list)</span>}
        </label>
      ))}
      <FieldError id={`err-${props.legend}`} msg={props.error} />
    </fieldset>
  );
}
