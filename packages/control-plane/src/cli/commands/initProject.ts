import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient, resolveApiUrl } from '../client.js';
import { action, CliError, EXIT, usageError } from '../errors.js';
import { envHelp } from '../helpText.js';

export interface InitProjectOptions {
  api?: string;
  dataDir?: string;
  allow?: string[];
  json?: boolean;
}

/** Allowed paths: absolute, or relative to the project root; all must stay under the root. */
export function resolveAllowedPaths(root: string, allow: string[]): string[] {
  return allow.map((a) => {
    const abs = path.resolve(root, a);
    const rel = path.relative(root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw usageError(`--allow ${a} is outside the project root ${root}`);
    }
    return abs;
  });
}

export async function initProject(
  name: string,
  root: string,
  opts: InitProjectOptions,
  env: Env,
): Promise<number> {
  if (!name.trim()) throw usageError('the project name is empty');
  if (!path.isAbsolute(root)) {
    throw usageError(`the project path must be absolute, got "${root}"`, `try ${path.resolve(root)}`);
  }
  const rootPath = path.normalize(root);
  const allowed = resolveAllowedPaths(rootPath, opts.allow ?? []);
  for (const dir of [rootPath, ...allowed]) {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new CliError('MKDIR_FAILED', `cannot create ${dir} (${(err as NodeJS.ErrnoException).code})`, {
        hint: 'choose a path you can write to',
        exitCode: EXIT.conflict,
      });
    }
  }
  const api = operatorClient(resolveApiUrl(opts, env), env);
  const project = await api.post<{ id: number; name: string; root_path: string; allowed_paths: string[] }>(
    '/projects',
    { name: name.trim(), root_path: rootPath, allowed_paths: allowed },
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(project, null, 2)}\n`);
  } else {
    process.stdout.write(`project "${project.name}" registered (id ${project.id}) at ${project.root_path}\n`);
    if (project.allowed_paths.length)
      process.stdout.write(`allowed paths: ${project.allowed_paths.join(', ')}\n`);
    process.stdout.write(`use it in a workflow file with  "project": "${project.name}"\n`);
  }
  return 0;
}

export function registerInitProjectCommand(program: Command): void {
  program
    .command('init-project')
    .description('create the project folders and register the project with the API')
    .argument('<name>', 'project name')
    .argument('<path>', 'absolute path of the project root (created if missing)')
    .option('--allow <paths...>', 'allowed paths under the root (absolute or relative to it; created)')
    .option('--api <url>', 'API base URL (default: the stack in --data-dir, else http://127.0.0.1:48000)')
    .option('--data-dir <dir>', 'data dir whose stack gives the API URL (default .multyagents)')
    .option('--json', 'print the created project as JSON')
    .addHelpText(
      'after',
      envHelp(['MULTYAGENTS_API_URL', 'MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN']),
    )
    .action(
      action(async (name: string, root: string, opts: InitProjectOptions) =>
        initProject(name, root, opts, processEnv()),
      ),
    );
}
