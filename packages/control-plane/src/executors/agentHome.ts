/**
 * A home of its own for each codex/claude attempt: HOME, TMPDIR and the CLI's config dir live under
 * the attempt's dir, so sessions, caches and temp files of two attempts never mix and never land in
 * the operator's home. The operator's logins keep working because exactly these files are copied in
 * (when they exist), and removed again when the attempt ends:
 *   codex:  $CODEX_HOME/config.toml and $CODEX_HOME/auth.json (CODEX_HOME of the runner, else ~/.codex)
 *   claude: $CLAUDE_CONFIG_DIR/.credentials.json (CLAUDE_CONFIG_DIR of the runner, else ~/.claude);
 *           ANTHROPIC_API_KEY and the rest of the runner's environment pass through as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env.js';
import type { AgentKind } from './agentStream.js';

export interface AgentHome {
  env: Env;
  /** The copied files that hold secrets: removed when the attempt ends. */
  secrets: string[];
}

export const SEEDED_FILES: Record<
  AgentKind,
  { dirVar: string; dotDir: string; files: string[]; secret: string[] }
> = {
  codex: {
    dirVar: 'CODEX_HOME',
    dotDir: '.codex',
    files: ['config.toml', 'auth.json'],
    secret: ['auth.json'],
  },
  claude: {
    dirVar: 'CLAUDE_CONFIG_DIR',
    dotDir: '.claude',
    files: ['.credentials.json'],
    secret: ['.credentials.json'],
  },
};

/**
 * `home` defaults to `<attemptDir>/home`; a resumed attempt passes the home of the attempt it
 * continues, where the CLI keeps that session's files.
 */
export function prepareAgentHome(
  kind: AgentKind,
  attemptDir: string,
  env: Env,
  home = path.join(attemptDir, 'home'),
): AgentHome {
  const seed = SEEDED_FILES[kind];
  const tmp = path.join(attemptDir, 'tmp');
  const configDir = path.join(home, seed.dotDir);
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const from = env[seed.dirVar] || (env.HOME ? path.join(env.HOME, seed.dotDir) : null);
  const secrets: string[] = [];
  for (const name of seed.files) {
    if (!from) break;
    const src = path.join(from, name);
    const dst = path.join(configDir, name);
    try {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, 0o600);
      if (seed.secret.includes(name)) secrets.push(dst);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return { env: { ...env, HOME: home, TMPDIR: tmp, [seed.dirVar]: configDir }, secrets };
}

/**
 * Whether the CLI's config dir under `home` holds the files of session `id`: claude
 * `projects/<cwd slug>/<id>.jsonl`, codex `sessions/YYYY/MM/DD/rollout-…-<id>.jsonl`. Bounded walk.
 */
export function hasSessionFiles(kind: AgentKind, home: string, id: string): boolean {
  const root = path.join(home, SEEDED_FILES[kind].dotDir, kind === 'claude' ? 'projects' : 'sessions');
  const walk = (dir: string, depth: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith('.jsonl') && e.name.includes(id)) return true;
      if (e.isDirectory() && depth < 4 && walk(path.join(dir, e.name), depth + 1)) return true;
    }
    return false;
  };
  return walk(root, 0);
}

/** Remove the copied credentials (best effort: the attempt dir is private, 0700, in any case). */
export function forgetSecrets(files: string[]): void {
  for (const f of files) fs.rmSync(f, { force: true });
}

/** Whether `dir` is inside a git work tree (a `.git` dir or file in it or above it). */
export function inGitRepo(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}
