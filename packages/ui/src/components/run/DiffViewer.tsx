import { api } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import type { DiffView } from '../../lib/types';
import { ErrorBox, Loading } from '../common';
import { openByDefault, splitPatch, type PatchFile } from './patch';

/** The API's answers meaning "there is no diff to show" rather than "something broke". */
const CALM = new Set(['DIFF_UNAVAILABLE', 'REPO_UNAVAILABLE']);

export { diffLineKind, type DiffLineKind } from './patch';

const short = (sha: string) => sha.slice(0, 10);

/**
 * The commit's diff of one task (`GET /tasks/{id}/diff`): files with their counts, then the patch, one
 * foldable block per file. `attempt` picks an attempt; without it the API answers for the current one.
 */
export function DiffViewer({ taskId, attempt }: { taskId: number; attempt?: number }) {
  const diff = useResource(
    () => api<DiffView>('GET', `/tasks/${taskId}/diff${attempt === undefined ? '' : `?attempt=${attempt}`}`),
    [taskId, attempt],
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
            <PatchFiles patch={d.patch} />
          ) : (
            <p className="muted">The commits differ in no file content.</p>
          )}
        </>
      )}
    </section>
  );
}

/** One <details> per file: all open for a small patch, the first few for a large one. */
function PatchFiles({ patch }: { patch: string }) {
  const files = splitPatch(patch);
  const open = openByDefault(files);
  return (
    <div className="diff-files" role="group" aria-label="Patch" data-testid="diff-patch">
      {files.map((f, i) => (
        <details key={`${i}:${f.path}`} className="diff-file" open={open[i]} data-path={f.path}>
          <FileSummary file={f} />
          <pre className="diff" tabIndex={0} aria-label={`Lines of ${f.path}`}>
            {f.lines.map((line, j) => (
              <span key={j} className={`diff-line diff-${f.kinds[j]}`} data-kind={f.kinds[j]}>
                {line}
                {'\n'}
              </span>
            ))}
          </pre>
        </details>
      ))}
    </div>
  );
}

function FileSummary({ file }: { file: PatchFile }) {
  return (
    <summary>
      <code>{file.path}</code> <span className="diff-add">+{file.added}</span>{' '}
      <span className="diff-del">−{file.removed}</span>
    </summary>
  );
}
