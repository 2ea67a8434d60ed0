import type { Project } from '@multyagents/contracts';
import { useState } from 'react';
import { draftFromProject, projectBody, type ProjectDraft } from '../lib/projectForm';
import { CatalogueForm, useCatalogueEdit } from './catalogueEdit';
import { Field, LinesField } from './form';

/** Create (no `project`) or replace a project, its worktree setup included. */
export function ProjectForm(props: { project?: Project; onSaved?: () => void; onCancel?: () => void }) {
  const [d, setD] = useState<ProjectDraft>(() => draftFromProject(props.project));
  const edit = useCatalogueEdit<Project>({
    noun: 'project',
    collection: '/projects',
    item: props.project,
    show: (p) => setD(draftFromProject(p)),
    check: () => projectBody(d),
    reset: () => setD(draftFromProject()),
    onSaved: () => props.onSaved?.(),
  });
  const { editing, errors } = edit;
  const set = <K extends keyof ProjectDraft>(k: K, v: ProjectDraft[K]) => {
    edit.touch();
    setD((x) => ({ ...x, [k]: v }));
  };
  const key = editing ? `project-${props.project!.id}-` : 'project-';

  return (
    <CatalogueForm edit={edit} filled={!!d.name.trim()} onCancel={props.onCancel}>
      <div className="fields">
        <Field
          label="Project name"
          name={`${key}name`}
          value={d.name}
          autoFocus={editing}
          onChange={(v) => set('name', v)}
          error={errors.name}
        />
        <Field
          label="Root path"
          name={`${key}root`}
          placeholder="/abs/path/to/repo"
          hint="absolute; inside the API's project roots"
          value={d.root_path}
          onChange={(v) => set('root_path', v)}
          error={errors.root_path}
        />
        <Field
          label="Default branch"
          name={`${key}branch`}
          hint="empty: the repository's current branch"
          value={d.default_branch}
          onChange={(v) => set('default_branch', v)}
          error={errors.default_branch}
        />
      </div>
      <LinesField
        label="Allowed paths"
        hint="absolute, inside the root; one per line"
        name={`${key}allowed`}
        rows={2}
        value={d.allowed_paths}
        onChange={(v) => set('allowed_paths', v)}
        error={errors.allowed_paths}
      />
      <fieldset>
        <legend>Worktree setup</legend>
        <LinesField
          label="Files copied into each worktree"
          hint="relative to the root, e.g. .env; one per line"
          name={`${key}copy`}
          rows={2}
          value={d.copy_files}
          onChange={(v) => set('copy_files', v)}
          error={errors.copy_files}
        />
        <LinesField
          label="Setup command"
          hint="one argument per line (no shell); empty: none"
          name={`${key}command`}
          rows={2}
          value={d.command}
          onChange={(v) => set('command', v)}
          error={errors.command}
        />
        <label className="check">
          <input type="checkbox" checked={d.hooks} onChange={(e) => set('hooks', e.target.checked)} /> Run the
          repository's git hooks
        </label>{' '}
        <label className="check">
          <input
            type="checkbox"
            checked={d.lfs_smudge}
            onChange={(e) => set('lfs_smudge', e.target.checked)}
          />{' '}
          Download Git LFS contents
        </label>
      </fieldset>
    </CatalogueForm>
  );
}
