/**
 * Read-only questions to the git repository of a project (isolated-worktree runs): which branch is
 * checked out, and which commit a branch names. Asked with `execFile` (no shell), a bounded timeout
 * and `GIT_TERMINAL_PROMPT=0`, so a repository on a hung mount or one that wants credentials answers
 * with an error instead of holding the request.
 */
import { execFile } from 'node:child_process';

const TIMEOUT_MS = 10_000;

export interface GitAnswer {
  ok: boolean;
  stdout: string;
  /** The error git or the spawn gave (first line), when not ok. */
  error: string;
}

export function git(cwd: string, args: readonly string[], timeoutMs = TIMEOUT_MS): Promise<GitAnswer> {
  return new Promise((resolve) => {
    execFile(
      'git',
      [...args],
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 1024 * 1024,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout: stdout.trim(), error: '' });
        const why = (stderr || err.message).trim().split('\n')[0] ?? '';
        resolve({ ok: false, stdout: '', error: why });
      },
    );
  });
}

/** The root of the work tree containing `dir`, or the error. */
export async function workTreeRoot(dir: string): Promise<GitAnswer> {
  return git(dir, ['rev-parse', '--show-toplevel']);
}

/** The branch checked out in `dir` (fails on a detached HEAD). */
export async function currentBranch(dir: string): Promise<GitAnswer> {
  return git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
}

/** The commit a local branch points to. */
export async function branchSha(dir: string, branch: string): Promise<GitAnswer> {
  return git(dir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
}
