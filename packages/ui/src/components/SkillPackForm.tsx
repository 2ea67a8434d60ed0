import type { SkillEntry, SkillPack } from '@multyagents/contracts';
import { useState } from 'react';
import type { FieldErrors } from '../lib/roleForm';
import { CatalogueForm, useCatalogueEdit } from './catalogueEdit';
import { CheckGroup, Field } from './form';

/** Create (no `pack`) or replace a skill pack: a name and at least one skill of the catalogue. */
export function SkillPackForm(props: {
  pack?: SkillPack;
  skills: readonly SkillEntry[];
  onCancel?: () => void;
}) {
  const [name, setName] = useState(props.pack?.name ?? '');
  const [skills, setSkills] = useState<string[]>(props.pack?.skills ?? []);
  const edit = useCatalogueEdit<SkillPack>({
    noun: 'skill pack',
    collection: '/skill-packs',
    item: props.pack,
    show: (p) => {
      setName(p.name);
      setSkills(p.skills);
    },
    check: () => {
      const n = name.trim();
      const errors: FieldErrors = {};
      if (!n) errors.name = 'a name is required';
      else if (n.length > 200) errors.name = 'at most 200 characters';
      if (skills.length === 0) errors.skills = 'pick at least one skill';
      else if (skills.length > 500) errors.skills = 'at most 500 skills';
      return { body: errors.name || errors.skills ? null : { name: n, skills }, errors };
    },
    reset: () => {
      setName('');
      setSkills([]);
    },
  });
  const { editing, errors } = edit;
  const typed =
    <V,>(setter: (v: V) => void) =>
    (v: V) => {
      edit.touch();
      setter(v);
    };
  const key = editing ? `pack-${props.pack!.id}-` : 'pack-';

  return (
    <CatalogueForm edit={edit} filled={!!name.trim()} onCancel={props.onCancel}>
      <Field
        label="Pack name"
        name={`${key}name`}
        value={name}
        autoFocus={editing}
        onChange={typed(setName)}
        error={errors.name}
      />
      <CheckGroup
        legend="Skills"
        options={props.skills.map((s) => ({ value: s.id, title: s.instructions }))}
        selected={skills}
        onChange={typed(setSkills)}
        empty="the skills catalogue is empty"
        error={errors.skills}
      />
    </CatalogueForm>
  );
}
