import { execFile } from 'node:child_process';
import { GitFail, type GitBehaviour, type GitCtx, DEFAULT_BEHAVIOUR } from './types.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface GitCall {
  cwd: string;
  behaviour?: GitBehaviour;
  /** Extra environment (e.g. GIT_INDEX_FILE for a temporary index). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Variables that would point git at another repository, index or identity than the one we name. */
const DROPPED_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
];

export function gitEnv(
  ctx: GitCtx,
  behaviour: GitBehaviour,
  extra?: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...ctx.baseEnv };
  for (const k of DROPPED_ENV) delete env[k];
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  env.GIT_AUTHOR_NAME = ctx.author.name;
  env.GIT_AUTHOR_EMAIL = ctx.author.email;
  env.GIT_COMMITTER_NAME = ctx.author.name;
  env.GIT_COMMITTER_EMAIL = ctx.author.email;
  if (!behaviour.lfsSmudge) env.GIT_LFS_SKIP_SMUDGE = '1';
  return { ...env, ...extra };
}

/**
 * Config for every call: no hooks unless enabled, and no automatic gc/maintenance or signing prompts
 * (a gc started by our commit would hold the writer lease for minutes; gpg could wait for a pinentry).
 */
export function gitConfigArgs(ctx: GitCtx, behaviour: GitBehaviour): string[] {
  const args = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'commit.gpgSign=false'];
  if (!behaviour.hooks) args.push('-c', `core.hooksPath=${ctx.emptyHooksDir}`);
  return args;
}

/** One git call (execFile, no shell). Never throws for a non-zero exit: the caller reads `code`. */
export function runGit(ctx: GitCtx, args: string[], call: GitCall): Promise<GitResult> {
  const behaviour = call.behaviour ?? DEFAULT_BEHAVIOUR;
  return new Promise((resolve) => {
    execFile(
      ctx.gitBinary,
      [...gitConfigArgs(ctx, behaviour), ...args],
      {
        cwd: call.cwd,
        env: gitEnv(ctx, behaviour, call.env),
        timeout: call.timeoutMs ?? ctx.gitTimeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr, timedOut: false });
        const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string };
        const timedOut = e.killed === true || (e.signal != null && typeof e.code !== 'number');
        if (typeof e.code === 'string' && e.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          // The binary could not be started (ENOENT, a cwd that vanished): a workspace failure.
          return resolve({ code: -1, stdout: '', stderr: `${ctx.gitBinary}: ${e.message}`, timedOut: false });
        }
        resolve({ code: typeof e.code === 'number' ? e.code : -1, stdout, stderr, timedOut });
      },
    );
  });
}

/** The last lines of git's complaint, for a failure message. */
export function tail(text: string, max = 2000): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(t.length - max)}` : t;
}

export function describe(args: string[], r: GitResult): string {
  const what = `git ${args.slice(0, 3).join(' ')}`;
  if (r.timedOut) return `${what} timed out`;
  return `${what} failed (exit ${r.code}): ${tail(r.stderr || r.stdout, 1000)}`;
}

/** A call that must succeed; its failure is a typed workspace-git failure. */
export async function gitOk(ctx: GitCtx, args: string[], call: GitCall): Promise<string> {
  const r = await runGit(ctx, args, call);
  if (r.code !== 0) throw new GitFail('git-error', describe(args, r));
  return r.stdout;
}
