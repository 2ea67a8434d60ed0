import type { SkillEntry, SkillPack } from '@multyagents/contracts';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { ErrorBox } from './common';
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
  const key = editing ? `pack-${props.pack!.id}-` : 'pack-';

  const submit = async () => {
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
    try {
      const body = { name: n, skills };
      const p = editing
        ? await api<SkillPack>('PUT', `/skill-packs/${props.pack!.id}`, body)
        : await api<SkillPack>('POST', '/skill-packs', body);
      setDone(`skill pack ${p.name} ${editing ? 'saved' : 'created'}`);
      if (!editing) {
        setName('');
        setSkills([]);
      }
    } catch (err) {
      setError(toApiError(err));
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
        onChange={setName}
        error={errors.name}
      />
      <CheckGroup
        legend="Skills"
        options={props.skills.map((s) => ({ value: s.id, title: s.instructions }))}
        selected={skills}
        onChange={setSkills}
        empty="the skills catalogue is empty"
        error={errors.skills}
      />
      <button type="submit" disabled={!name.trim()}>
        {editing ? 'Save skill pack' : 'Create skill pack'}
      </button>{' '}
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          Close
        </button>
      )}
      <ErrorBox error={error} />
      {done && (
        <span className="ok" role="status">
          {done}
        </span>
      )}
    </form>
  );
}
