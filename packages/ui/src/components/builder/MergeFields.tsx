import type { MergePolicy } from '@multyagents/contracts';
import { DEFAULT_MERGE, MERGE_STRATEGIES } from '../../lib/workflowFile';
import type { Issue } from '../../lib/workflowDraft';
import { IssueAlerts } from './IssueAlerts';

/**
 * The workflow's merge policy: how an isolated-worktree run's step branches land on the target branch
 * (a merge task the API adds after the last steps). Unset fields are the API's defaults.
 */
export function MergeFields(props: {
  merge: Partial<MergePolicy> | undefined;
  /** The workflow's own execution mode (undefined: from the project). */
  mode: string | undefined;
  issues: Issue[];
  onChange: (merge: Partial<MergePolicy>) => void;
}) {
  const m = { ...DEFAULT_MERGE, ...props.merge };
  const set = (patch: Partial<MergePolicy>) => props.onChange({ ...m, ...patch });
  const applies =
    props.mode === undefined
      ? 'Used when the project runs steps in isolated worktrees.'
      : props.mode === 'isolated-worktree'
        ? null
        : `Not used in ${props.mode} runs (isolated-worktree only).`;
  return (
    <fieldset className="card merge-fields" aria-label="Merge policy">
      <legend>Merge of the step branches</legend>
      {applies && <p className="muted note">{applies}</p>}
      <label>
        <input type="checkbox" checked={m.enabled} onChange={(e) => set({ enabled: e.target.checked })} />{' '}
        Merge the result into the target branch
      </label>{' '}
      <label>
        Strategy{' '}
        <select
          value={m.strategy}
          disabled={!m.enabled}
          onChange={(e) => set({ strategy: e.target.value as MergePolicy['strategy'] })}
        >
          {MERGE_STRATEGIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        <input
          type="checkbox"
          checked={m.requires_approval}
          disabled={!m.enabled}
          onChange={(e) => set({ requires_approval: e.target.checked })}
        />{' '}
        Merge waits for an approval
      </label>{' '}
      <label>
        Target branch{' '}
        <input
          value={m.target_branch ?? ''}
          disabled={!m.enabled}
          placeholder="the run's base branch"
          onChange={(e) => set({ target_branch: e.target.value === '' ? null : e.target.value })}
        />
      </label>
      <IssueAlerts issues={props.issues} />
    </fieldset>
  );
}
