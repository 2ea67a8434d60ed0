import type { Project } from '@multyagents/contracts';
import { useRef, useState } from 'react';
import { api, ApiError } from '../lib/api';
import { useEditVersion } from '../lib/editVersion';
import { draftFromProject, projectBody, type ProjectDraft } from '../lib/projectForm';
import type { FieldErrors } from '../lib/roleForm';
import { ErrorBox } from './common';
import { EditConflict } from './EditConflict';
import { Field, LinesField, toApiError } from './form';

/** Create (no `project`) or replace a project, its worktree setup included. */
export function ProjectForm(props: { project?: Project; onSaved?: () => void; onCancel?: () => void }) {
  const editing = props.project !== undefined;
  const [d, setD] = useState<ProjectDraft>(() => draftFromProject(props.project));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The edit starts from the stored item read with its version (unless something was typed already).
  const touched = useRef(false);
  const version = useEditVersion<Project>(editing ? `/projects/${props.project!.id}` : null, (p) => {
    if (!touched.current) setD(draftFromProject(p));
  });
  const set = <K extends keyof ProjectDraft>(k: K, v: ProjectDraft[K]) => {
    touched.current = true;
    setD((x) => ({ ...x, [k]: v }));
  };
  const key = editing ? `project-${props.project!.id}-` : 'project-';

  const reloadTheirs = async () => {
    setError(null);
    setBusy(true);
    try {
      const p = await version.reload();
      touched.current = false;
      setD(draftFromProject(p));
      setErrors({});
      setDone(`project ${p.name} reloaded`);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (overwrite = false) => {
    setError(null);
    setDone(null);
    const { body, errors: errs } = projectBody(d);
    setErrors(errs);
    if (!body) return;
    setBusy(true);
    try {
      const p = editing ? await version.put(body, overwrite) : await api<Project>('POST', '/projects', body);
      if (p === null) return;
      setDone(`project ${p.name} ${editing ? 'saved' : 'created'}`);
      if (!editing) setD(draftFromProject());
      props.onSaved?.();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card"
      aria-label={editing ? `Edit project ${props.project!.name}` : 'New project'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>{editing ? `Edit project ${props.project!.name} #${props.project!.id}` : 'New project'}</h3>
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
      <button type="submit" disabled={busy || !d.name.trim() || (editing && version.etag === null)}>
        {editing ? 'Save project' : 'Create project'}
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
