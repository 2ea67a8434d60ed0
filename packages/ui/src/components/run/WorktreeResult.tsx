import type { TaskWorktreeView } from '../../lib/types';
import { shortSha } from './format';

/** An isolated-worktree task's result: branch, commits, diff stats, the merge and its conflicts. */
export function WorktreeResult({ wt }: { wt: TaskWorktreeView }) {
  const s = wt.stats;
  return (
    <section aria-label="Worktree result" className="card">
      <h4>Files changed</h4>
      <p data-testid="worktree-stats">
        {s.files_changed} {s.files_changed === 1 ? 'file' : 'files'},{' '}
        <span className="diff-add">+{s.insertions}</span> <span className="diff-del">−{s.deletions}</span>
        {wt.committed ? '' : ' (nothing committed)'}
      </p>
      <dl className="facts">
        <dt>Branch</dt>
        <dd>{wt.branch ? <code>{wt.branch}</code> : '—'}</dd>
        <dt>Commit</dt>
        <dd>
          <code title={wt.start_sha ?? ''}>{shortSha(wt.start_sha)}</code> →{' '}
          <code title={wt.head_sha ?? ''}>{shortSha(wt.head_sha)}</code>
        </dd>
        <dt>Attempt</dt>
        <dd>{wt.attempt}</dd>
        {wt.merged && (
          <>
            <dt>Merged</dt>
            <dd>
              into <code>{wt.merged.target_branch}</code> ({wt.merged.strategy}):{' '}
              <code>{shortSha(wt.merged.old_sha)}</code> → <code>{shortSha(wt.merged.new_sha)}</code>
            </dd>
          </>
        )}
      </dl>
      {s.files.length > 0 && (
        <ul aria-label="Changed files" className="files">
          {s.files.map((f) => (
            <li key={f}>
              <code>{f}</code>
            </li>
          ))}
        </ul>
      )}
      {wt.conflicts && wt.conflicts.length > 0 && (
        <div className="error" role="note">
          Merge conflicts in:{' '}
          {wt.conflicts.map((f) => (
            <code key={f}>{f} </code>
          ))}
        </div>
      )}
    </section>
  );
}
