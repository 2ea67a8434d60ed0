import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The repository B10 and B12 work on: `files` small files spread over `dirs` directories, one commit on
 * `main`. Generated once per invocation in a temp dir (a few seconds for 10,000 files).
 */
export interface BigRepo {
  repo: string;
  baseSha: string;
  files: number;
  dirs: number;
  /** Environment for the benchmark's own git calls (author set; the user's other settings kept). */
  env: NodeJS.ProcessEnv;
  generate_ms: number;
}

/** Relative paths of the generated files: `d000/f00000.txt` …, round-robin over the dirs (pure). */
export function repoLayout(files: number, dirs: number): string[] {
  const d = Math.max(1, Math.min(dirs, files));
  const dw = String(d - 1).length;
  const fw = String(Math.max(0, files - 1)).length;
  return Array.from(
    { length: files },
    (_, i) => `d${String(i % d).padStart(dw, '0')}/f${String(i).padStart(fw, '0')}.txt`,
  );
}

/** A small deterministic body (a few lines, ~100 bytes) so that every blob is distinct. */
export const fileBody = (i: number): string =>
  `file ${i}\n${'lorem ipsum dolor sit amet '.repeat(3)}\nline ${i * 7}\n`;

export function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
  };
}

export async function git(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const r = await run('git', args, { cwd, env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  return r.stdout.trim();
}

export async function makeBigRepo(parent: string, files: number, dirs: number): Promise<BigRepo> {
  const t0 = performance.now();
  const repo = path.join(parent, 'repo');
  const env = gitEnv();
  fs.mkdirSync(repo, { recursive: true });
  await git(repo, env, 'init', '-q', '-b', 'main');
  const layout = repoLayout(files, dirs);
  for (const dir of new Set(layout.map((p) => path.dirname(p))))
    fs.mkdirSync(path.join(repo, dir), { recursive: true });
  layout.forEach((p, i) => fs.writeFileSync(path.join(repo, p), fileBody(i)));
  fs.writeFileSync(path.join(repo, 'README.md'), `benchmark repository: ${files} files in ${dirs} dirs\n`);
  await git(repo, env, 'add', '-A');
  await git(repo, env, 'commit', '-q', '-m', 'benchmark repository');
  const baseSha = await git(repo, env, 'rev-parse', 'HEAD');
  return { repo, baseSha, files, dirs, env, generate_ms: performance.now() - t0 };
}
