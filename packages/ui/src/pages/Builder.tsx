import { useEffect, useMemo, useState } from 'react';
import { api, apiWithEtag, ApiError, conflictEtag } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import { validateDraft, type Catalogue, type Draft, type DraftStep } from '../lib/workflowDraft';
import { saveWorkflow, type Caller } from '../lib/workflowSave';
import {
  EXECUTION_MODES,
  idsByName,
  planSave,
  templateToFile,
  type Named,
  type TemplateView,
} from '../lib/workflowFile';
import { fileText, loadYaml, parseFileText, type Format, type YamlModule } from '../lib/workflowText';
import { DagView } from '../components/DagView';
import { ErrorBox, Loading } from '../components/common';
import { EditConflict } from '../components/EditConflict';
import { RawEditor } from '../components/builder/RawEditor';
import { IssueAlerts } from '../components/builder/IssueAlerts';
import { MergeFields } from '../components/builder/MergeFields';
import { StepCard, type RoleOption } from '../components/builder/StepCard';

const emptyStep = (n: number, role: string): DraftStep => ({
  id: `step-${n}`,
  title: `Step ${n}`,
  role,
  depends_on: [],
});

const asApiError = (err: unknown) => (err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));

/** The panel's client for a save: a PUT sends If-Match (when the edit has a version). */
const callApi: Caller = async <T,>(
  method: 'POST' | 'PUT',
  path: string,
  body: unknown,
  ifMatch?: string | null,
): Promise<T> =>
  method === 'PUT' ? (await apiWithEtag<T>('PUT', path, body, { ifMatch })).data : api<T>(method, path, body);

export type BuilderMode = 'new' | 'edit' | 'duplicate';

/**
 * The workflow builder: step cards with a depends-on picker, inline validation (the API's DAG rules and
 * codes), and a raw mode holding the workflow file of `multyagents run` in JSON or YAML, both ways.
 * `edit` replaces a template (PUT); `new` and `duplicate` create one (POST). Declared roles that do not
 * exist yet are created on save, as `run` does, and listed before the button.
 */
export function Builder({ mode = 'new', templateId }: { mode?: BuilderMode; templateId?: number }) {
  const roles = useResource(() => api<Named[]>('GET', '/roles'), [], isType('role.'));
  const projects = useResource(() => api<Named[]>('GET', '/projects'), [], isType('project.'));
  const cat = useMemo<Catalogue | null>(
    () => (roles.data && projects.data ? { roles: roles.data, projects: projects.data } : null),
    [roles.data, projects.data],
  );
  const [draft, setDraft] = useState<Draft>({ name: '', roles: [], steps: [] });
  const [source, setSource] = useState<TemplateView | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [raw, setRaw] = useState<{ format: Format; text: string } | null>(null);
  const [yaml, setYaml] = useState<YamlModule | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // The template's version when the edit started (its ETag), and the one a refused save named.
  const [etag, setEtag] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);

  // An existing template is read once: live updates must not overwrite what is being edited.
  useEffect(() => {
    if (templateId === undefined) return;
    apiWithEtag<TemplateView>('GET', `/workflow-templates/${templateId}`).then(
      (r) => {
        setSource(r.data);
        setEtag(r.etag);
      },
      (e: unknown) => setLoadError(asApiError(e)),
    );
  }, [templateId]);
  const [converted, setConverted] = useState(false);
  // Converted once, when both the template and the names are in.
  useEffect(() => {
    if (!source || !cat || converted) return;
    const { doc, problems: p } = templateToFile(source, cat.roles, cat.projects);
    setDraft(mode === 'duplicate' ? { ...doc, name: `${doc.name} (copy)` } : doc);
    setProblems(p);
    setConverted(true);
  }, [source, cat, converted, mode]);
  const loaded = templateId === undefined || converted;

  const parsed = useMemo(
    () => (raw && yaml ? parseFileText(raw.text, raw.format, yaml, cat) : null),
    [raw, yaml, cat],
  );
  // What Save and Download use: the form's draft, or the raw text once it parses.
  const current: Draft | null = raw ? (parsed?.doc ?? null) : draft;
  const issues = raw ? [] : validateDraft(draft, cat);
  const blocked = current === null || (raw ? (parsed?.issues.length ?? 1) > 0 : issues.length > 0);
  const plan = current && cat ? planSave(current, cat.roles, cat.projects) : null;

  const setStep = (i: number, patch: Partial<DraftStep>) =>
    setDraft((d) => ({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const rename = (i: number, id: string) =>
    setDraft((d) => {
      const old = d.steps[i]!.id;
      // Dependencies follow a renamed step.
      return {
        ...d,
        steps: d.steps.map((s, j) =>
          j === i ? { ...s, id } : { ...s, depends_on: s.depends_on.map((x) => (x === old ? id : x)) },
        ),
      };
    });

  const showAs = async (format: Format | 'form') => {
    const y = yaml ?? (await loadYaml());
    setYaml(y);
    if (raw) {
      const back = parseFileText(raw.text, raw.format, y, cat);
      // Syntax and shape problems keep the text: converting would lose what was typed.
      if (!back.doc) return;
      if (format === 'form') {
        setDraft(back.doc);
        setRaw(null);
      } else setRaw({ format, text: fileText(back.doc, format, y) });
    } else if (format !== 'form') setRaw({ format, text: fileText(draft, format, y) });
  };

  const download = async (format: Format) => {
    if (!current) return;
    const y = yaml ?? (await loadYaml());
    const blob = new Blob([fileText(current, format, y)], {
      type: format === 'json' ? 'application/json' : 'application/yaml',
    });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${current.name.trim().replace(/[^A-Za-z0-9._-]+/g, '-') || 'workflow'}.${format}`;
    document.body.append(a);
    a.click();
    a.remove();
    // The browser reads the blob after the click returns: revoking at once can cancel the download.
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  };

  /** `ifMatch`: the version the replace applies to (the loaded one; after a conflict, "Overwrite"). */
  const save = async (ifMatch: string | null = etag) => {
    if (!current || !cat) return;
    setBusy(true);
    setError(null);
    try {
      const edit = mode === 'edit' ? (templateId ?? null) : null;
      const t = await saveWorkflow(callApi, current, cat, edit, edit === null ? null : ifMatch);
      setConflict(null);
      window.location.hash = `#/workflows?${mode === 'edit' ? 'saved' : 'created'}=${t.id}`;
    } catch (err) {
      // A conflict keeps the draft as it is (form or raw text): the operator picks what to do.
      const now = conflictEtag(err);
      if (now !== null) setConflict(now);
      else setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  /** "Reload theirs": the stored template replaces the draft (converted again, shown as the form). */
  const reloadTheirs = async () => {
    if (templateId === undefined) return;
    setBusy(true);
    setError(null);
    try {
      const r = await apiWithEtag<TemplateView>('GET', `/workflow-templates/${templateId}`);
      setConflict(null);
      setEtag(r.etag);
      setRaw(null);
      setSource(r.data);
      setConverted(false);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const declared = draft.roles.map((r) => r.name);
  const roleOptions: RoleOption[] = [
    ...[...idsByName(roles.data ?? []).keys()].map((name) => ({ name })),
    ...declared
      .filter((n) => !idsByName(roles.data ?? []).has(n))
      .map((name) => ({ name, note: 'new: created on save' })),
  ];
  const title =
    mode === 'edit'
      ? `Edit workflow #${templateId}`
      : mode === 'duplicate'
        ? 'Duplicate workflow'
        : 'New workflow';
  const modes: Array<[Format | 'form', string]> = [
    ['form', 'Form'],
    ['json', 'JSON'],
    ['yaml', 'YAML'],
  ];

  if (loadError) return <ErrorBox error={loadError} />;
  if (!loaded) return <Loading when>Loading the workflow…</Loading>;
  return (
    <div>
      <h2>{title}</h2>
      {mode === 'edit' && (
        <p className="muted">
          Saving replaces the template (<code>PUT /workflow-templates/{templateId}</code>). Runs already
          started keep the steps they were created with.
        </p>
      )}
      {problems.map((p, k) => (
        <p key={k} className="error" role="alert">
          {p}
        </p>
      ))}
      <p role="group" aria-label="Edit as">
        {modes.map(([f, label]) => (
          <button
            key={f}
            type="button"
            aria-pressed={(raw?.format ?? 'form') === f}
            onClick={() => void showAs(f)}
          >
            {label}
          </button>
        ))}
      </p>
      {raw ? (
        <RawEditor
          format={raw.format}
          text={raw.text}
          issues={parsed?.issues ?? []}
          onText={(text) => setRaw({ ...raw, text })}
        />
      ) : (
        <>
          <label>
            Workflow name{' '}
            <input
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              name="name"
            />
          </label>{' '}
          <label>
            Project{' '}
            <select
              value={draft.project ?? ''}
              onChange={(e) => setDraft({ ...draft, project: e.target.value || undefined })}
            >
              <option value="">none</option>
              {[
                ...idsByName(projects.data ?? []).keys(),
                ...(draft.project && !cat?.projects.some((p) => p.name === draft.project)
                  ? [draft.project]
                  : []),
              ].map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            Execution mode{' '}
            <select
              value={draft.execution_mode ?? ''}
              onChange={(e) =>
                setDraft({
                  ...draft,
                  execution_mode: (e.target.value || undefined) as Draft['execution_mode'],
                })
              }
            >
              <option value="">from the project</option>
              {EXECUTION_MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <MergeFields
            merge={draft.merge}
            mode={draft.execution_mode}
            issues={issues.filter((x) => x.path[0] === 'merge')}
            onChange={(merge) => setDraft({ ...draft, merge })}
          />
          {(roles.data ?? []).length === 0 && declared.length === 0 && !roles.loading && (
            <p className="muted">
              No roles yet: <a href="#/roles">create one</a> first, or declare one under <code>roles</code> in
              JSON/YAML.
            </p>
          )}
          {draft.steps.map((s, i) => (
            <StepCard
              key={i}
              index={i}
              step={s}
              others={draft.steps.filter((_, j) => j !== i).map((o) => o.id)}
              roles={roleOptions}
              issues={issues.filter((x) => x.step === i)}
              onChange={(patch) => setStep(i, patch)}
              onRename={(id) => rename(i, id)}
              onRemove={() =>
                setDraft((d) => ({
                  ...d,
                  steps: d.steps
                    .filter((_, j) => j !== i)
                    .map((o) => ({ ...o, depends_on: o.depends_on.filter((x) => x !== s.id) })),
                }))
              }
            />
          ))}
          <p>
            <button
              type="button"
              onClick={() =>
                setDraft((d) => ({
                  ...d,
                  steps: [...d.steps, emptyStep(d.steps.length + 1, roleOptions[0]?.name ?? '')],
                }))
              }
            >
              Add step
            </button>
          </p>
          <IssueAlerts issues={issues.filter((x) => x.step === null && x.path[0] !== 'merge')} />
        </>
      )}
      {current && current.steps.length > 0 && (
        <div className="dag-wrap">
          <DagView
            label="Preview"
            nodes={current.steps.map((s, i) => ({
              id: i + 1,
              deps: s.depends_on
                .map((d) => current.steps.findIndex((o) => o.id === d) + 1)
                .filter((x) => x > 0),
              label: s.id || '(no id)',
              status: s.role || 'no role',
              note: s.requires_approval ? 'approval' : undefined,
            }))}
          />
        </div>
      )}
      {plan && plan.create.length > 0 && (
        <p data-testid="will-create">
          Saving first creates {plan.create.length === 1 ? 'the role' : 'the roles'}{' '}
          {plan.create.map((r) => `"${r.name}"`).join(', ')} (declared under <code>roles</code>; declared
          roles that exist already are reused by name).
        </p>
      )}
      {current?.description !== undefined && (
        <p className="muted">
          <code>description</code> stays in the file only: a template has no description.
        </p>
      )}
      <ErrorBox error={error} />
      {conflict !== null && (
        <EditConflict
          busy={busy}
          onReload={() => void reloadTheirs()}
          onOverwrite={() => void save(conflict)}
        />
      )}
      <p>
        <button type="button" disabled={busy || blocked || !cat} onClick={() => void save()}>
          {mode === 'edit' ? 'Save workflow' : 'Create workflow'}
        </button>{' '}
        <button type="button" disabled={blocked} onClick={() => void download('yaml')}>
          Download YAML
        </button>{' '}
        <button type="button" disabled={blocked} onClick={() => void download('json')}>
          Download JSON
        </button>{' '}
        <span className="muted">
          (a file for <code>multyagents run</code>)
        </span>
      </p>
    </div>
  );
}
