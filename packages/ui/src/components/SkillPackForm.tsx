import type { SkillEntry, SkillPack } from '@multyagents/contracts';
import { useRef, useState } from 'react';
import { api, ApiError } from '../lib/api';
import { useEditVersion } from '../lib/editVersion';
import { ErrorBox } from './common';
import { EditConflict } from './EditConflict';
import { CheckGroup, Field, toApiError } from './form';

/** Create (no `pack`) or replace a skill pack: a name and at least one skill of the catalogue. */
export function SkillPackForm(props: {
  pack?: SkillPack;
  skills: readonly SkillEntry[];
  onCancel?: () => void;
}) {
  const editing = props.pack !== undefined;
  const [name, setName] = useState(props.pack?.name ?? '');
  const [skills, setSkills] = useState<string[]>(props.pack?.skills ?? []);
  const [errors, setErrors] = useState<{ name?: string; skills?: string }>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The edit starts from the stored item read with its version (unless something was typed already).
  const touched = useRef(false);
  const show = (p: SkillPack) => {
    setName(p.name);
    setSkills(p.skills);
  };
  const version = useEditVersion<SkillPack>(editing ? `/skill-packs/${props.pack!.id}` : null, (p) => {
    if (!touched.current) show(p);
  });
  const edit =
    <V,>(setter: (v: V) => void) =>
    (v: V) => {
      touched.current = true;
      setter(v);
    };
  const key = editing ? `pack-${props.pack!.id}-` : 'pack-';

  const reloadTheirs = async () => {
    setError(null);
    setBusy(true);
    try {
      const p = await version.reload();
      touched.current = false;
      show(p);
      setErrors({});
      setDone(`skill pack ${p.name} reloaded`);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (overwrite = false) => {
    setError(null);
    setDone(null);
    const n = name.trim();
    const errs: typeof errors = {};
    if (!n) errs.name = 'a name is required';
    else if (n.length > 200) errs.name = 'at most 200 characters';
    if (skills.length === 0) errs.skills = 'pick at least one skill';
    else if (skills.length > 500) errs.skills = 'at most 500 skills';
    setErrors(errs);
    if (errs.name || errs.skills) return;
    setBusy(true);
    try {
      const body = { name: n, skills };
      const p = editing
        ? await version.put(body, overwrite)
        : await api<SkillPack>('POST', '/skill-packs', body);
      if (p === null) return;
      setDone(`skill pack ${p.name} ${editing ? 'saved' : 'created'}`);
      if (!editing) {
        setName('');
        setSkills([]);
      }
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card"
      aria-label={editing ? `Edit skill pack ${props.pack!.name}` : 'New skill pack'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>{editing ? `Edit skill pack ${props.pack!.name} #${props.pack!.id}` : 'New skill pack'}</h3>
      <Field
        label="Pack name"
        name={`${key}name`}
        value={name}
        autoFocus={editing}
        onChange={edit(setName)}
        error={errors.name}
      />
      <CheckGroup
        legend="Skills"
        options={props.skills.map((s) => ({ value: s.id, title: s.instructions }))}
        selected={skills}
        onChange={edit(setSkills)}
        empty="the skills catalogue is empty"
        error={errors.skills}
      />
      <button type="submit" disabled={busy || !name.trim() || (editing && version.etag === null)}>
        {editing ? 'Save skill pack' : 'Create skill pack'}
      </button>{' '}
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          Close
        </button>
      )}
      <ErrorBox error={error} />
      <ErrorBox error={version.loadError} />
      {version.conflict !== null && (
        <EditConflict
          busy={busy}
          onReload={() => void reloadTheirs()}
          onOverwrite={() => void submit(true)}
        />
      )}
      {done && (
        <span className="ok" role="status">
          {done}
        </span>
      )}
    </form>
  );
}
