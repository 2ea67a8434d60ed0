import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ReportedWorktree, RunnerSubmit, SubmitWorktree } from '@multyagents/contracts';
import type { GitFailure, GitWorkspaces } from './git/index.js';
import type { Logger } from '../lib/logger.js';
import type { Outcome } from './decisions.js';
import type { Transport } from './http.js';

/**
 * The git side of an isolated-worktree attempt, around the agent: prepare the worktree (start point =
 * base or the merge of the upstream commits), and after the agent commit what it changed, pin the
 * attempt's HEAD, move the step branch and clean up what is proven done. The run's merge task runs no
 * agent: it lands the steps' commits on the target branch. Every write is fenced: the runner asks the
 * API, right before it, whether the attempt is still the task's current one.
 */

export interface StageDeps {
  git: GitWorkspaces;
  transport: Transport;
  logger: Logger;
  /** False once this runner knows a newer attempt of the task, or the attempt is being killed. */
  locallyCurrent: () => boolean;
  /** True once this runner knows a newer attempt of the task. */
  superseded: () => boolean;
  /** Bound of the fence retries while the API cannot be reached. */
  fenceWaitMs: number;
  /** Keep a succeeded attempt's worktree on disk (its commit is pinned either way). */
  keepOnSuccess: boolean;
}

const run = promisify(execFile);

/** Paths changed in a worktree (tracked or new, .gitignore honoured), without touching its index. */
async function changedFiles(worktree: string): Promise<string[]> {
  const r = await run(
    'git',
    ['-C', worktree, 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'],
    { timeout: 30_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } },
  );
  return r.stdout
    .split('\0')
    .filter((e) => e.length > 3)
    .map((e) => e.slice(3));
}

/** The repository's git common dir (a sandboxed agent needs it writable: index.lock, objects). */
async function gitCommonDir(worktree: string): Promise<string> {
  const r = await run('git', ['-C', worktree, 'rev-parse', '--path-format=absolute', '--git-common-dir'], {
    timeout: 10_000,
  });
  return r.stdout.trim();
}

export type Prepared =
  | { ok: true; cwd: string; gitCommonDir: string; report: ReportedWorktree; startSha: string }
  | { ok: false; outcome: Outcome; report: ReportedWorktree };

const emptyReport = (w: SubmitWorktree): ReportedWorktree => ({
  path: null,
  branch: w.branch,
  base_sha: w.base_sha,
  start_sha: null,
  head_sha: null,
  committed: false,
  pinned_ref: null,
  files_changed: 0,
  insertions: 0,
  deletions: 0,
  files: [],
});

/** A git failure as the attempt's outcome: step `workspace`, message prefixed for triage. */
export function gitOutcome(f: GitFailure): Outcome {
  const stale = f.category === 'stale-attempt';
  return {
    status: 'failed',
    exit_code: null,
    failure_step: 'workspace',
    message: stale
      ? `stale attempt: ${f.message} (nothing was written to git)`
      : `workspace-git: ${f.reason ? `${f.reason}: ` : ''}${f.message}`,
  };
}

const fenceUrl = (s: RunnerSubmit) => s.status_callback_url.replace(/\/status$/, '/fence');

/**
 * Ask the API whether the attempt is still current. 200 → yes; 409 → no (it was fenced). A network
 * error or 5xx is retried with backoff up to `fenceWaitMs`: the work is kept either way, but nothing is
 * committed that cannot be proven current.
 */
export async function askFence(d: StageDeps, s: RunnerSubmit): Promise<boolean> {
  if (!d.locallyCurrent()) return false;
  const deadline = Date.now() + d.fenceWaitMs;
  for (let i = 0; ; i++) {
    try {
      const a = await d.transport.post(fenceUrl(s), s.status_callback_token, { attempt: s.attempt });
      if (a.status >= 200 && a.status < 300) return d.locallyCurrent();
      if (a.status >= 400 && a.status < 500 && a.status !== 408 && a.status !== 429) return false;
    } catch (err) {
      d.logger.warn(
        { taskId: s.task_id, attempt: s.attempt, err: String(err) },
        'fence check failed; retrying',
      );
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(i, 5))));
  }
}

/** Create (or, for a resumed session, reuse) the attempt's worktree. */
export async function prepareWorktree(d: StageDeps, s: RunnerSubmit, w: SubmitWorktree): Promise<Prepared> {
  const report = emptyReport(w);
  const r = await d.git.prepare({
    repoRoot: w.repo_root,
    runId: s.run_id,
    taskId: s.task_id,
    stepKey: w.step_key,
    attempt: s.attempt,
    baseSha: w.base_sha,
    upstream: w.upstream.map((u) => u.commit),
    ...(w.setup ? { setup: w.setup } : {}),
    reuse: s.resume !== undefined,
  });
  if (!r.ok) {
    return {
      ok: false,
      outcome: gitOutcome(r),
      report: {
        ...report,
        ...(r.conflicts ? { conflicts: r.conflicts, conflict_commits: r.commits ?? [] } : {}),
      },
    };
  }
  return {
    ok: true,
    cwd: r.path,
    gitCommonDir: await gitCommonDir(r.path),
    startSha: r.startSha,
    report: { ...report, path: r.path, start_sha: r.startSha, head_sha: r.startSha },
  };
}

/**
 * After the agent: on success commit and clean up; on any other outcome pin what the agent left
 * (dirty work included) and keep the worktree, so a retry can resume there and nothing is lost.
 */
export async function finishWorktree(
  d: StageDeps,
  s: RunnerSubmit,
  w: SubmitWorktree,
  p: Extract<Prepared, { ok: true }>,
  outcome: Outcome,
  summary: string | null,
): Promise<{ outcome: Outcome; report: ReportedWorktree }> {
  let report = p.report;
  if (outcome.status !== 'success') {
    if (d.superseded()) return { outcome, report }; // a newer attempt owns the task: no git writes
    const pin = await d.git.pin({ path: p.cwd, taskId: s.task_id, attempt: s.attempt }).catch(() => null);
    return {
      outcome,
      report: {
        ...report,
        pinned_ref: pin?.ok ? pin.ref : null,
        cleanup: { attempted: false, removed: false, message: 'kept: the attempt did not succeed' },
      },
    };
  }
  if (s.role?.execution_constraints?.read_only === true) {
    // A read-only step commits nothing. Changes in its worktree mean the agent wrote anyway (a tool
    // the CLI's own sandbox did not cover): the step fails, and what it wrote is pinned as evidence.
    const changed = await changedFiles(p.cwd).catch(() => []);
    if (changed.length === 0) return { outcome, report };
    const pin = await d.git.pin({ path: p.cwd, taskId: s.task_id, attempt: s.attempt }).catch(() => null);
    const shown = changed.slice(0, 20).join(', ') + (changed.length > 20 ? `, … (${changed.length})` : '');
    return {
      outcome: {
        status: 'failed',
        exit_code: outcome.exit_code,
        failure_step: 'run',
        message: `read-only role, yet the agent changed files (permission denied to a read-only step): ${shown}; nothing was committed`,
      },
      report: { ...report, pinned_ref: pin?.ok ? pin.ref : null, files: changed.slice(0, 1000) },
    };
  }
  const c = await d.git.commitResult({
    path: p.cwd,
    taskId: s.task_id,
    attempt: s.attempt,
    runId: s.run_id,
    stepId: w.step_key,
    branch: w.branch,
    startSha: p.startSha,
    message: summary ?? '',
    fence: () => askFence(d, s),
    behaviour: { hooks: w.setup?.hooks === true, lfsSmudge: w.setup?.lfs_smudge === true },
  });
  if (!c.ok) {
    // A stale attempt writes nothing to git, not even its own pin: its work stays in the worktree
    // (the sweep pins it as an orphan); another git failure pins what the agent did, for the retry.
    if (c.category === 'stale-attempt') return { outcome: gitOutcome(c), report };
    const pin = await d.git.pin({ path: p.cwd, taskId: s.task_id, attempt: s.attempt }).catch(() => null);
    return { outcome: gitOutcome(c), report: { ...report, pinned_ref: pin?.ok ? pin.ref : null } };
  }
  report = {
    ...report,
    head_sha: c.head_sha,
    committed: c.committed,
    pinned_ref: c.pinned_ref,
    files_changed: c.files_changed,
    insertions: c.insertions,
    deletions: c.deletions,
    files: c.files,
  };
  const c2 = await d.git
    .cleanup({ path: p.cwd, taskId: s.task_id, attempt: s.attempt, keep: d.keepOnSuccess })
    .catch((err: unknown) => ({
      attempted: true,
      removed: false,
      message: `cleanup failed: ${String(err)}`,
    }));
  const cleanup = { attempted: c2.attempted, removed: c2.removed, message: c2.message };
  return { outcome, report: { ...report, cleanup } };
}

/** The run's merge task: land the steps' commits on the target branch (compare-and-swap). */
export async function landRun(
  d: StageDeps,
  s: RunnerSubmit,
  w: SubmitWorktree & { merge: NonNullable<SubmitWorktree['merge']> },
): Promise<{ outcome: Outcome; report: ReportedWorktree }> {
  const report: ReportedWorktree = { ...emptyReport(w), branch: w.merge.target_branch };
  const r = await d.git.land({
    repoRoot: w.repo_root,
    runId: s.run_id,
    taskId: s.task_id,
    attempt: s.attempt,
    heads: w.upstream.map((u) => u.commit),
    targetBranch: w.merge.target_branch,
    expectedSha: w.merge.expected_sha,
    strategy: w.merge.strategy,
    message: w.merge.message,
    fence: () => askFence(d, s),
  });
  if (!r.ok) {
    return {
      outcome: gitOutcome(r),
      report: {
        ...report,
        ...(r.conflicts ? { conflicts: r.conflicts, conflict_commits: r.commits ?? [] } : {}),
      },
    };
  }
  return {
    outcome: {
      status: 'success',
      exit_code: 0,
      failure_step: null,
      message: `merged into ${r.merged.target_branch}: ${r.merged.old_sha.slice(0, 12)} → ${r.merged.new_sha.slice(0, 12)} (${r.merged.strategy})`,
    },
    report: {
      ...report,
      start_sha: r.merged.old_sha,
      head_sha: r.merged.new_sha,
      committed: r.merged.new_sha !== r.merged.old_sha,
      files_changed: r.files_changed,
      insertions: r.insertions,
      deletions: r.deletions,
      files: r.files,
      merged: r.merged,
    },
  };
}
