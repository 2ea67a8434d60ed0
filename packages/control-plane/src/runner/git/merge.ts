import { gitOk, runGit, tail } from './exec.js';
import { commitOf, isAncestor } from './repo.js';
import { GitFail, type GitCtx } from './types.js';

/** Check every sha names a commit of this repository (an upstream from another repo is a bad input). */
export async function verifyCommits(ctx: GitCtx, cwd: string, shas: string[]): Promise<void> {
  for (const sha of shas) {
    if ((await commitOf(ctx, cwd, sha)) === null) {
      throw new GitFail('bad-input', `commit ${sha} does not exist in the repository`, { commits: [sha] });
    }
  }
}

/**
 * Merge two commits without touching any tree on disk: `merge-tree --write-tree`, then `commit-tree`.
 * The merge commit's dates are the later parent's, so a retried attempt computes the same commit id.
 */
export async function mergeTwo(
  ctx: GitCtx,
  cwd: string,
  a: string,
  b: string,
  message: string,
): Promise<string> {
  const r = await runGit(ctx, ['merge-tree', '--write-tree', '--name-only', '--no-messages', a, b], { cwd });
  if (r.code === 1) {
    const paths = [
      ...new Set(
        r.stdout
          .split('\n')
          .slice(1)
          .filter((l) => l.length > 0),
      ),
    ];
    throw new GitFail(
      'conflict',
      `merging ${a.slice(0, 12)} and ${b.slice(0, 12)} conflicts in ${paths.length} path(s): ${paths.slice(0, 20).join(', ')}`,
      {
        conflicts: paths.slice(0, 1000),
        commits: [a, b],
      },
    );
  }
  if (r.code !== 0) {
    throw new GitFail('git-error', `git merge-tree ${a} ${b} failed: ${tail(r.stderr, 1000)}`, {
      commits: [a, b],
    });
  }
  const tree = r.stdout.split('\n')[0].trim();
  const dates = (await gitOk(ctx, ['show', '-s', '--format=%ct', a, b], { cwd })).split('\n').map(Number);
  const when = `${Math.max(...dates.filter((d) => Number.isFinite(d) && d > 0))} +0000`;
  const out = await gitOk(ctx, ['commit-tree', tree, '-p', a, '-p', b, '-m', message], {
    cwd,
    env: { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when },
  });
  return out.trim();
}

/**
 * The commit that contains all of `heads`: the one head that already contains the others when there
 * is one, else the heads merged pairwise in the given order (a head already contained is skipped).
 */
export async function combine(ctx: GitCtx, cwd: string, heads: string[], message: string): Promise<string> {
  const unique = [...new Set(heads)];
  if (unique.length === 0) throw new GitFail('bad-input', 'nothing to combine');
  if (unique.length === 1) return unique[0];
  for (const candidate of unique) {
    let containsAll = true;
    for (const other of unique) {
      if (other !== candidate && !(await isAncestor(ctx, cwd, other, candidate))) {
        containsAll = false;
        break;
      }
    }
    if (containsAll) return candidate;
  }
  let acc = unique[0];
  for (const next of unique.slice(1)) {
    if (await isAncestor(ctx, cwd, next, acc)) continue;
    if (await isAncestor(ctx, cwd, acc, next)) {
      acc = next;
      continue;
    }
    acc = await mergeTwo(ctx, cwd, acc, next, message);
  }
  return acc;
}
