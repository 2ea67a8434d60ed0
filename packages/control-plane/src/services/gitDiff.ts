/**
 * `git diff` between two commits of a project repository, for `GET /tasks/{id}/diff`: `execFile` (no
 * shell), a timeout, an output cap, and nothing the repository's own configuration could run —
 * no external diff driver, no textconv filter, no fsmonitor hook — nor change the output's shape
 * (quoted paths, colour, prefixes). The caller has validated both shas.
 */
import { execFile } from 'node:child_process';

const TIMEOUT_MS = 15_000;
/** The file list is small even for a big change; past this much of it, it is cut (and says so). */
const NUMSTAT_CAP = 4 * 1024 * 1024;
export const PATCH_CAP = 512 * 1024;

const FIXED = [
  '-c',
  'core.quotepath=off',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'diff.noprefix=false',
  '-c',
  'diff.mnemonicPrefix=false',
  '-c',
  'color.ui=false',
];
const DIFF = ['diff', '--no-color', '--no-ext-diff', '--no-textconv'];

export interface GitOut {
  ok: boolean;
  out: Buffer;
  /** Output went past the cap: git was stopped and `out` holds the first `cap` bytes. */
  capped: boolean;
  error: string;
}

function run(cwd: string, args: string[], cap: number): Promise<GitOut> {
  return new Promise((resolve) => {
    execFile(
      'git',
      [...FIXED, ...args],
      {
        cwd,
        timeout: TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: cap,
        encoding: 'buffer',
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, out: stdout, capped: false, error: '' });
        // Over the cap, Node stops git and hands over what it read: a cut answer, not a failure.
        if ((err as { code?: unknown }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return resolve({ ok: true, out: stdout.subarray(0, cap), capped: true, error: '' });
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const why = e.killed
          ? `git timed out after ${TIMEOUT_MS / 1000}s`
          : (stderr.toString('utf8').trim().split('\n')[0] ?? '') || e.message;
        resolve({ ok: false, out: Buffer.alloc(0), capped: false, error: why });
      },
    );
  });
}

/** Whether `sha` names a commit in the repository at `cwd`. */
export async function hasCommit(cwd: string, sha: string): Promise<GitOut> {
  return run(cwd, ['cat-file', '-e', `${sha}^{commit}`], 1024);
}

export interface FileStat {
  path: string;
  insertions: number;
  deletions: number;
}

/** `git diff --numstat -z`: one record per file; a rename names its new path; binary files count -1. */
export async function numstat(
  cwd: string,
  from: string,
  to: string,
): Promise<{ ok: false; error: string } | { ok: true; files: FileStat[]; capped: boolean }> {
  const r = await run(cwd, [...DIFF, '--numstat', '-z', from, to, '--'], NUMSTAT_CAP);
  if (!r.ok) return { ok: false, error: r.error };
  const tokens = r.out.toString('utf8').split('\0');
  // A cut answer ends inside a record: its last token is dropped.
  if (r.capped) tokens.pop();
  const files: FileStat[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(tokens[i]!);
    if (!m) continue;
    let path = m[3]!;
    // A rename: `ins\tdel\t` then the old and the new path as tokens of their own.
    if (path === '') {
      path = tokens[i + 2] ?? tokens[i + 1] ?? '';
      i += 2;
    }
    const n = (s: string) => (s === '-' ? -1 : Number(s));
    files.push({ path, insertions: n(m[1]!), deletions: n(m[2]!) });
  }
  return { ok: true, files, capped: r.capped };
}

/** The unified diff, cut at a line end before PATCH_CAP bytes (never inside a UTF-8 character). */
export async function patch(
  cwd: string,
  from: string,
  to: string,
): Promise<{ ok: false; error: string } | { ok: true; text: string; truncated: boolean }> {
  const r = await run(cwd, [...DIFF, '--patch', from, to, '--'], PATCH_CAP + 1);
  if (!r.ok) return { ok: false, error: r.error };
  if (!r.capped && r.out.length <= PATCH_CAP)
    return { ok: true, text: r.out.toString('utf8'), truncated: false };
  const cut = r.out.subarray(0, PATCH_CAP);
  const nl = cut.lastIndexOf(0x0a);
  return { ok: true, text: cut.subarray(0, nl + 1).toString('utf8'), truncated: true };
}
