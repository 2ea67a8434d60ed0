import { api } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import type { DiffView } from '../../lib/types';
import { ErrorBox, Loading } from '../common';

/** The API's answers meaning "there is no diff to show" rather than "something broke". */
const CALM = new Set(['DIFF_UNAVAILABLE', 'REPO_UNAVAILABLE']);

export type DiffLineKind = 'file' | 'meta' | 'hunk' | 'add' | 'del' | 'context';

/** How one line of a unified diff is drawn (the leading character stays: colour is not the only cue). */
export function diffLineKind(line: string): DiffLineKind {
  if (line.startsWith('diff --git ')) return 'file';
  if (
    line.startsWith('+++ ') ||
    line.startsWith('--- ') ||
    /^(index|new file|deleted file|similarity|rename|old mode|new mode|Binary files) /.test(line)
  )
    return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'context';
}

const short = (sha: string) => sha.slice(0, 10);

/** The commit's diff of one task (`GET /tasks/{id}/diff`): files with their counts, then the patch. */
export function DiffViewer({ taskId }: { taskId: number }) {
  const diff = useResource(
    () => api<DiffView>('GET', `/tasks/${taskId}/diff`),
    [taskId],
    (e) => e.task_id === taskId && e.event_type === 'task.runner_status_updated',
  );
  const calm = diff.error && CALM.has(diff.error.code) ? diff.error : null;
  const d = diff.data;
  return (
    <section aria-label={`Diff of task ${taskId}`} className="diff-view">
      <h4>Diff</h4>
      <Loading when={diff.loading} />
      {calm ? (
        <p className="muted note" data-testid="diff-note">
          No diff to show (<code>{calm.code}</code>): {calm.detail}
        </p>
      ) : (
        <ErrorBox error={diff.error} />
      )}
      {d && (
        <>
          <p className="muted">
            <code>{short(d.from_sha)}</code>..<code>{short(d.to_sha)}</code> · attempt {d.attempt} ·{' '}
            {d.files.length} {d.files.length === 1 ? 'file' : 'files'}
          </p>
          {d.truncated && (
            <p className="note" role="note" data-testid="diff-truncated">
              The patch is truncated. All of it:{' '}
              <code>{`git -C ${d.repo_root} diff ${d.from_sha}..${d.to_sha}`}</code>
            </p>
          )}
          {d.files.length > 0 && (
            <table aria-label="Files in the diff">
              <thead>
                <tr>
                  <th>File</th>
                  <th>Added</th>
                  <th>Removed</th>
                </tr>
              </thead>
              <tbody>
                {d.files.map((f) => (
                  <tr key={f.path}>
                    <td>
                      <code>{f.path}</code>
                    </td>
                    <td className="diff-add">+{f.insertions}</td>
                    <td className="diff-del">−{f.deletions}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {d.patch ? (
            <pre className="diff" aria-label="Patch" tabIndex={0} data-testid="diff-patch">
              {d.patch
                .replace(/\n$/, '')
                .split('\n')
                .map((line, i) => {
                  const kind = diffLineKind(line);
                  return (
                    <span key={i} className={`diff-line diff-${kind}`} data-kind={kind}>
                      {line}
                      {'\n'}
                    </span>
                  );
                })}
            </pre>
          ) : (
            <p className="muted">The commits differ in no file content.</p>
          )}
        </>
      )}
    </section>
  );
}
