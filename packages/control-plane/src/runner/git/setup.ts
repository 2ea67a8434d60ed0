import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorktreeSetup } from '@multyagents/contracts';
import { killGroup } from '../../executors/procfs.js';
import { GitFail, type GitCtx } from './types.js';

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/**
 * Copy the listed (typically ignored) files from the project root into the worktree. A path that
 * resolves outside the root (through `..` or a symlink) is refused; a missing one is skipped with a note.
 */
export function copySetupFiles(repoRoot: string, wt: string, files: string[]): string[] {
  const root = fs.realpathSync(repoRoot);
  const wtReal = fs.realpathSync(wt);
  const notes: string[] = [];
  for (const rel of files) {
    const lexical = path.resolve(root, rel);
    if (path.isAbsolute(rel) || !inside(root, lexical)) {
      throw new GitFail('bad-input', `setup.copy_files: ${rel} is outside the project root`);
    }
    let src: string;
    try {
      src = fs.realpathSync(lexical);
    } catch {
      notes.push(`copy_files: ${rel} does not exist in the project root, skipped`);
      continue;
    }
    if (!inside(root, src))
      throw new GitFail('bad-input', `setup.copy_files: ${rel} resolves outside the project root`);
    const dst = path.resolve(wtReal, rel);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    if (!inside(wtReal, fs.realpathSync(path.dirname(dst)))) {
      throw new GitFail('bad-input', `setup.copy_files: ${rel} would be written outside the worktree`);
    }
    fs.cpSync(src, dst, { recursive: true, dereference: true, force: true });
  }
  return notes;
}

/** Run `setup.command` (argv, no shell) in the worktree; a non-zero exit fails with its output's tail. */
export async function runSetupCommand(ctx: GitCtx, wt: string, argv: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  const keep = 4000;
  let out = '';
  const child = spawn(cmd, args, {
    cwd: wt,
    env: ctx.baseEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (b: Buffer): void => {
    out = (out + b.toString('utf8')).slice(-keep);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) void killGroup(child.pid, 2000);
  }, ctx.setupTimeoutMs);
  const result = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  if (result.error)
    throw new GitFail('setup-failed', `setup command ${cmd} could not start: ${result.error.message}`);
  if (timedOut)
    throw new GitFail(
      'setup-failed',
      `setup command timed out after ${ctx.setupTimeoutMs} ms: ${out.trim()}`,
    );
  if (result.code !== 0) {
    throw new GitFail(
      'setup-failed',
      `setup command exited with ${result.code ?? 'a signal'}: ${out.trim()}`,
    );
  }
}

export async function runSetup(
  ctx: GitCtx,
  repoRoot: string,
  wt: string,
  setup: WorktreeSetup | undefined,
): Promise<string[]> {
  if (!setup) return [];
  const notes = copySetupFiles(repoRoot, wt, setup.copy_files);
  if (setup.command && setup.command.length > 0) await runSetupCommand(ctx, wt, setup.command);
  return notes;
}
