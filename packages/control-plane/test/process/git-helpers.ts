import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/lib/logger.js';
import {
  createGitWorkspaces,
  type GitWorkspaces,
  type GitWorkspacesOptions,
} from '../../src/runner/git/index.js';

/** Shared by the git-*.test.ts files: throwaway repositories and a library instance over them. */
export interface GitFixture {
  dir: string;
  repo: string;
  base: string;
  env: NodeJS.ProcessEnv;
  ws: GitWorkspaces;
  worktreesDir: string;
  git: (cwd: string, ...args: string[]) => string;
  /** A commit on top of `parent` with these files set (plumbing: no checkout touched). */
  commitOn: (parent: string, files: Record<string, string>, message?: string) => string;
  make: (over?: Partial<GitWorkspacesOptions>) => GitWorkspaces;
  cleanup: () => void;
}

export function gitFixture(over: Partial<GitWorkspacesOptions> = {}): GitFixture {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-git-')));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  // Isolated from the machine's git configuration.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'tester',
    GIT_AUTHOR_EMAIL: 'tester@example.com',
    GIT_COMMITTER_NAME: 'tester',
    GIT_COMMITTER_EMAIL: 'tester@example.com',
    LC_ALL: 'C',
  };
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const repo = path.join(dir, 'project');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
  fs.writeFileSync(path.join(repo, 'shared.txt'), 'line 1\nline 2\nline 3\n');
  fs.writeFileSync(path.join(repo, '.gitignore'), '.env\nnode_modules/\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  const base = git(repo, 'rev-parse', 'HEAD');
  const commitOn = (parent: string, files: Record<string, string>, message = 'change'): string => {
    const index = path.join(dir, `index-${Math.random().toString(36).slice(2)}`);
    const ienv = { ...env, GIT_INDEX_FILE: index };
    const run = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, env: ienv, encoding: 'utf8' }).trim();
    run('read-tree', parent);
    for (const [file, content] of Object.entries(files)) {
      const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
        cwd: repo,
        env,
        input: content,
        encoding: 'utf8',
      }).trim();
      run('update-index', '--add', '--cacheinfo', `100644,${blob},${file}`);
    }
    const tree = run('write-tree');
    fs.rmSync(index, { force: true });
    return run('commit-tree', tree, '-p', parent, '-m', message);
  };
  const worktreesDir = path.join(dir, 'worktrees');
  const make = (o: Partial<GitWorkspacesOptions> = {}) =>
    createGitWorkspaces({ worktreesDir, logger: silentLogger, baseEnv: env, ...over, ...o });
  return {
    dir,
    repo,
    base,
    env,
    ws: make(),
    worktreesDir,
    git,
    commitOn,
    make,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export const yes = (): Promise<boolean> => Promise.resolve(true);
export const no = (): Promise<boolean> => Promise.resolve(false);

/** Narrow a library result to its success, failing the test with the failure's message otherwise. */
export function ok<R extends { ok: true } | { ok: false; message: string }>(r: R): Extract<R, { ok: true }> {
  if (!r.ok) throw new Error(`expected success, got: ${(r as { message: string }).message}`);
  return r as Extract<R, { ok: true }>;
}
