/**
 * `GET /tasks/{id}/diff`: what an isolated-worktree attempt changed, computed by git in the project's
 * repository from the commits the runner reported (`start_sha..head_sha`; the merge task:
 * `merged.old_sha..merged.new_sha`). The shas come from the store, yet are validated again before they
 * reach git's command line: a stored value is still input to a process.
 */
import fs from 'node:fs';
import { CommitSha, ReportedWorktree } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import { getAttempt } from '../store/ops/attempts.js';
import { getProject } from '../store/ops/projects.js';
import { taskWorktreeOf } from '../store/ops/worktrees.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { hasCommit, numstat, patch } from './gitDiff.js';
import { requireTask } from './tasks.js';

interface Range {
  attempt: number;
  root: string;
  from: string;
  to: string;
}

const unavailable = (taskId: number, why: string) =>
  new AppError('DIFF_UNAVAILABLE', `task ${taskId}: ${why}`);

async function rangeOf(ctx: ServiceContext, taskId: number, asked?: number): Promise<Range> {
  return ctx.store.read(async (sql) => {
    const t = await requireTask(sql, taskId);
    const attempt = asked ?? t.attempt;
    if (attempt < 1) throw unavailable(taskId, 'it has not been dispatched yet');
    const a = await getAttempt(sql, taskId, attempt);
    if (!a) throw unavailable(taskId, `it has no attempt ${attempt}`);
    // The attempt's own report; the task's current worktree when it is this attempt's (older data).
    const reported = ReportedWorktree.partial().safeParse(parseJson<unknown>(a.worktree, null));
    const current = taskWorktreeOf(t.worktree);
    const w = reported.success ? reported.data : current?.attempt === attempt ? current : null;
    if (!w)
      throw unavailable(taskId, `attempt ${attempt} reported no worktree (not an isolated-worktree task?)`);
    const [from, to] =
      t.kind === 'merge' ? [w.merged?.old_sha ?? null, w.merged?.new_sha ?? null] : [w.start_sha, w.head_sha];
    if (!from || !to)
      throw unavailable(
        taskId,
        t.kind === 'merge'
          ? `attempt ${attempt} did not land a merge`
          : `attempt ${attempt} recorded no commit`,
      );
    if (!CommitSha.safeParse(from).success || !CommitSha.safeParse(to).success)
      throw unavailable(taskId, `attempt ${attempt} recorded a commit id that is not a full sha`);
    if (from === to) throw unavailable(taskId, `attempt ${attempt} changed nothing (${to.slice(0, 12)})`);
    const project = t.project_id === null ? undefined : await getProject(sql, t.project_id);
    if (!project) throw unavailable(taskId, 'it has no project, so no repository');
    return { attempt, root: project.root_path, from, to };
  });
}

const gone = (taskId: number, why: string) => new AppError('REPO_UNAVAILABLE', `task ${taskId}: ${why}`);

export async function taskDiff(ctx: ServiceContext, taskId: number, asked?: number) {
  const r = await rangeOf(ctx, taskId, asked);
  if (!fs.existsSync(r.root)) throw gone(taskId, `the project root ${r.root} no longer exists`);
  for (const sha of [r.from, r.to]) {
    const c = await hasCommit(r.root, sha);
    if (!c.ok) throw gone(taskId, `commit ${sha} is not in the repository at ${r.root} (${c.error})`);
  }
  const files = await numstat(r.root, r.from, r.to);
  if (!files.ok) throw gone(taskId, `git diff --numstat failed in ${r.root}: ${files.error}`);
  const p = await patch(r.root, r.from, r.to);
  if (!p.ok) throw gone(taskId, `git diff failed in ${r.root}: ${p.error}`);
  return {
    task_id: taskId,
    attempt: r.attempt,
    repo_root: r.root,
    from_sha: r.from,
    to_sha: r.to,
    files: files.files,
    patch: p.text,
    truncated: p.truncated || files.capped,
    patch_bytes: Buffer.byteLength(p.text, 'utf8'),
  };
}
