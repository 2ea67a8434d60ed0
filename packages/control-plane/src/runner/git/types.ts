import type { Logger } from '../../lib/logger.js';

/** What the runner passes once; every field but worktreesDir and logger has a default. */
export interface GitWorkspacesOptions {
  /** Worktrees live under `<worktreesDir>/<repoName>-<hash>/`, outside every repository. */
  worktreesDir: string;
  logger: Logger;
  /** Author and committer of the commits the library makes (default `multyagents <multyagents@localhost>`). */
  author?: { name: string; email: string };
  /** Kill a single git call after this long (default 120 s). */
  gitTimeoutMs?: number;
  /** A git lock file older than this with no process holding it open is stale (default 30 s). */
  staleLockMs?: number;
  /** Retries of a git call that met a held lock file (default 40 tries within 60 s). */
  lockRetry?: { attempts: number; maxWaitMs: number };
  /** Wait at most this long for the repository's writer lease (default 120 s). */
  leaseWaitMs?: number;
  /** Timeout of `setup.command` (default 10 min). */
  setupTimeoutMs?: number;
  /** Wall clock (ms since the epoch): lock-file ages and lease timestamps. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Environment passed through to git (default: the runner's own); repository-locating GIT_* are dropped. */
  baseEnv?: NodeJS.ProcessEnv;
  gitBinary?: string;
}

export interface GitCtx {
  worktreesDir: string;
  logger: Logger;
  author: { name: string; email: string };
  gitTimeoutMs: number;
  staleLockMs: number;
  lockRetry: { attempts: number; maxWaitMs: number };
  leaseWaitMs: number;
  setupTimeoutMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  baseEnv: NodeJS.ProcessEnv;
  gitBinary: string;
  /** An empty directory for `core.hooksPath` when hooks are off. */
  emptyHooksDir: string;
}

/** Per-call switches taken from the project's WorktreeSetup. */
export interface GitBehaviour {
  hooks: boolean;
  lfsSmudge: boolean;
}

export const DEFAULT_BEHAVIOUR: GitBehaviour = { hooks: false, lfsSmudge: false };

export type GitFailureReason =
  | 'not-a-repo'
  | 'bad-input'
  | 'git-error'
  | 'conflict'
  | 'not-fast-forward'
  | 'target-moved'
  | 'dirty-checkout'
  | 'branch-moved'
  | 'lease-timeout'
  | 'lock-timeout'
  | 'setup-failed'
  | 'stale-attempt';

/** An expected failure: the runner reports it (category maps to the task's failure category). */
export interface GitFailure {
  ok: false;
  /** `stale-attempt`: the fence said the attempt is no longer current; nothing was written. */
  category: 'workspace-git' | 'stale-attempt';
  reason: GitFailureReason;
  message: string;
  conflicts?: string[];
  commits?: string[];
  staleLocksCleared: string[];
}

/** Collected along one operation. */
export interface OpTrace {
  staleLocksCleared: string[];
}

/** Thrown inside the library, turned into a GitFailure result at the public boundary. */
export class GitFail extends Error {
  constructor(
    readonly reason: GitFailureReason,
    message: string,
    readonly extra: { conflicts?: string[]; commits?: string[] } = {},
  ) {
    super(message);
  }
}

export function failureOf(e: GitFail, trace: OpTrace): GitFailure {
  return {
    ok: false,
    category: e.reason === 'stale-attempt' ? 'stale-attempt' : 'workspace-git',
    reason: e.reason,
    message: e.message,
    ...e.extra,
    staleLocksCleared: trace.staleLocksCleared,
  };
}

/** Run `fn`, turning a GitFail into its typed result; anything else is a bug and propagates. */
export async function boundary<T>(trace: OpTrace, fn: () => Promise<T>): Promise<T | GitFailure> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GitFail) return failureOf(e, trace);
    throw e;
  }
}
