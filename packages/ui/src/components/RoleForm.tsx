import type { Role } from '@multyagents/contracts';
import { useState } from 'react';
import {
  draftFromRole,
  LIMIT_BOUNDS,
  RETRY_BOUNDS,
  RETRY_ON,
  roleBody,
  type RoleDraft,
  type TriState,
} from '../lib/roleForm';
import { CatalogueForm, useCatalogueEdit } from './catalogueEdit';
import { CheckGroup, Field, LinesField } from './form';

const range = (b: { min: number; max: number; dflt?: number }) =>
  `${b.min}..${b.max}${b.dflt !== undefined ? `, default ${b.dflt}` : ''}`;

function TriSelect(props: { label: string; value: TriState; onChange: (v: TriState) => void; hint: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange(e.target.value as TriState)}>
        <option value="">default ({props.hint})</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    </label>
  );
}

/**
 * Create (no `role`) or edit (`role`: a full PUT) every field of a role. The body is checked against
 * the contract's bounds before it is sent; the API's refusals show with their code and detail.
 */
export function RoleForm(props: {
  role?: Role;
  packNames: string[];
  onSaved?: (r: Role) => void;
  onCancel?: () => void;
}) {
  const [d, setD] = useState<RoleDraft>(() => draftFromRole(props.role));
  const edit = useCatalogueEdit<Role>({
    noun: 'role',
    collection: '/roles',
    item: props.role,
    show: (r) => setD(draftFromRole(r)),
    check: () => roleBody(d),
    reset: () => setD(draftFromRole()),
    onSaved: props.onSaved,
  });
  const { editing, errors } = edit;
  const set = <K extends keyof RoleDraft>(k: K, v: RoleDraft[K]) => {
    edit.touch();
    setD((x) => ({ ...x, [k]: v }));
  };
  const key = editing ? `role-${props.role!.id}-` : 'role-';

  const nErrors = Object.keys(errors).length;
  return (
    <CatalogueForm
      edit={edit}
      className="card role-form"
      filled={!!d.name.trim()}
      onCancel={props.onCancel}
      notice={
        nErrors > 0 && (
          <p className="error" role="alert">
            {nErrors === 1 ? '1 field needs' : `${nErrors} fields need`} fixing; nothing was sent.
          </p>
        )
      }
    >
      <Field
        label="Role name"
        name={`${key}name`}
        value={d.name}
        autoFocus={editing}
        onChange={(v) => set('name', v)}
        error={errors.name}
      />
      <label className="check">
        <input
          type="checkbox"
          checked={d.context7_enabled}
          onChange={(e) => set('context7_enabled', e.target.checked)}
        />{' '}
        Context7 documentation lookups
      </label>
      <LinesField
        label="System prompt"
        name={`${key}prompt`}
        value={d.system_prompt}
        onChange={(v) => set('system_prompt', v)}
        error={errors.system_prompt}
      />
      <LinesField
        label="Allowed tools"
        hint="one per line"
        name={`${key}tools`}
        rows={2}
        value={d.allowed_tools}
        onChange={(v) => set('allowed_tools', v)}
        error={errors.allowed_tools}
      />
      <CheckGroup
        legend="Skill packs"
        options={props.packNames.map((value) => ({ value }))}
        selected={d.skill_packs}
        onChange={(v) => set('skill_packs', v)}
        empty={
          <>
            no skill packs yet (<a href="#/skill-packs">create one</a>)
          </>
        }
      />
      <fieldset className="retry">
        <legend>Retry policy</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={d.retry_enabled}
            onChange={(e) => set('retry_enabled', e.target.checked)}
          />{' '}
          Retry failed attempts
        </label>
        {d.retry_enabled && (
          <div className="fields">
            {(
              [
                ['max_retries', 'Max retries'],
                ['backoff_initial_ms', 'Initial backoff (ms)'],
                ['backoff_max_ms', 'Max backoff (ms)'],
                ['backoff_multiplier', 'Backoff multiplier'],
                ['jitter', 'Jitter (fraction)'],
              ] as const
            ).map(([k, label]) => (
              <Field
                key={k}
                label={label}
                name={`${key}${k}`}
                inputMode={RETRY_BOUNDS[k].int ? 'numeric' : 'decimal'}
                placeholder={String(RETRY_BOUNDS[k].dflt)}
                hint={range(RETRY_BOUNDS[k])}
                value={d.retry[k]}
                onChange={(v) => set('retry', { ...d.retry, [k]: v })}
                error={errors[`retry_policy.${k}`]}
              />
            ))}
            <CheckGroup
              legend="Retry on"
              options={RETRY_ON.map((value) => ({ value }))}
              selected={d.retry_on}
              onChange={(v) => set('retry_on', v as RoleDraft['retry_on'])}
            />
          </div>
        )}
      </fieldset>
      <fieldset>
        <legend>Execution</legend>
        <div className="fields">
          <Field
            label="Time to start (s)"
            name={`${key}time_to_start_seconds`}
            inputMode="numeric"
            hint={`${range(LIMIT_BOUNDS.time_to_start_seconds)}; empty: the API's default`}
            value={d.limits.time_to_start_seconds}
            onChange={(v) => set('limits', { ...d.limits, time_to_start_seconds: v })}
            error={errors.time_to_start_seconds}
          />
          <Field
            label="Timeout (s)"
            name={`${key}timeout_seconds`}
            inputMode="numeric"
            hint={`${range(LIMIT_BOUNDS.timeout_seconds)}; empty: none`}
            value={d.limits.timeout_seconds}
            onChange={(v) => set('limits', { ...d.limits, timeout_seconds: v })}
            error={errors.timeout_seconds}
          />
          <TriSelect
            label="Read only"
            hint="no"
            value={d.tri.read_only}
            onChange={(v) => set('tri', { ...d.tri, read_only: v })}
          />
          <TriSelect
            label="Resume agent session on retry"
            hint="yes"
            value={d.tri.resume}
            onChange={(v) => set('tri', { ...d.tri, resume: v })}
          />
          <TriSelect
            label="Network in sandbox"
            hint="yes"
            value={d.tri.network}
            onChange={(v) => set('tri', { ...d.tri, network: v })}
          />
        </div>
        <LinesField
          label="Agent arguments"
          hint="one per line, appended to the agent's argv"
          name={`${key}agent_args`}
          rows={2}
          value={d.agent_args}
          onChange={(v) => set('agent_args', v)}
          error={errors.agent_args}
        />
        <LinesField
          label="Other execution constraints"
          hint={'a JSON object, e.g. {"sandbox": "required"}'}
          name={`${key}extra`}
          rows={2}
          value={d.extra}
          onChange={(v) => set('extra', v)}
          error={errors.extra}
        />
      </fieldset>
    </CatalogueForm>
  );
}
