import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env.js';
import { CliError, EXIT, usageError } from './errors.js';
import { parseIntArg } from './validate.js';

export const EXECUTORS = ['mock', 'command', 'codex', 'claude'] as const;
export type Executor = (typeof EXECUTORS)[number];
export const DEFAULT_API_PORT = 48000;
export const DEFAULT_RUNNER_PORT = 48070;
export const DEFAULT_DATA_DIR = '.multyagents';
export const MAX_RUNNERS = 32;

/** What `up` started, persisted in `<data-dir>/run/stack.json` so the other commands reuse it. */
export interface StackSettings {
  version: 1;
  data_dir: string;
  host: string;
  api_port: number;
  runner_port: number;
  runners: number;
  dispatch: 'auto' | 'manual';
  runner_auth: 'on' | 'off';
  executor: Executor;
  /** `--project-roots` passed to the API (absent: its env or its default). */
  project_roots?: string;
  updated_at: string;
}

export interface UpFlags {
  dataDir?: string;
  apiPort?: string;
  runnerPort?: string;
  runners?: string;
  dispatch?: string;
  runnerAuth?: string;
  executor?: string;
  projectRoots?: string;
}

export function resolveDataDir(flag: string | undefined, env: Env, cwd = process.cwd()): string {
  return path.resolve(cwd, flag || env.MULTYAGENTS_DATA_DIR || DEFAULT_DATA_DIR);
}

function enumOption<T extends string>(
  name: string,
  raw: string | undefined,
  values: readonly T[],
  def: T,
): T {
  if (raw === undefined) return def;
  if (!values.includes(raw as T))
    throw usageError(`${name} must be one of ${values.join('|')}, got "${raw}"`);
  return raw as T;
}

function projectRootsOf(raw: string | undefined): { project_roots?: string } {
  return raw === undefined || raw === '' ? {} : { project_roots: raw };
}

/** Flags win over the stored stack, which wins over the defaults. Throws a usage error (exit 2). */
export function resolveStackSettings(
  flags: UpFlags,
  stored: StackSettings | null,
  env: Env,
  cwd = process.cwd(),
): StackSettings {
  const apiPort = parseIntArg('--api-port', flags.apiPort, stored?.api_port ?? DEFAULT_API_PORT, 1, 65535);
  const runners = parseIntArg('--runners', flags.runners, stored?.runners ?? 1, 1, MAX_RUNNERS);
  const runnerPort = parseIntArg(
    '--runner-port',
    flags.runnerPort,
    stored?.runner_port ?? DEFAULT_RUNNER_PORT,
    1,
    65535 - runners + 1,
  );
  if (apiPort >= runnerPort && apiPort < runnerPort + runners) {
    throw usageError(
      `--api-port ${apiPort} collides with the runner ports ${runnerPort}..${runnerPort + runners - 1}`,
      'choose another --api-port or --runner-port',
    );
  }
  return {
    version: 1,
    data_dir: resolveDataDir(flags.dataDir, env, cwd),
    host: '127.0.0.1',
    api_port: apiPort,
    runner_port: runnerPort,
    runners,
    dispatch: enumOption(
      '--dispatch',
      flags.dispatch,
      ['auto', 'manual'] as const,
      stored?.dispatch ?? 'auto',
    ),
    runner_auth: enumOption(
      '--runner-auth',
      flags.runnerAuth,
      ['on', 'off'] as const,
      stored?.runner_auth ?? 'on',
    ),
    executor: enumOption('--executor', flags.executor, EXECUTORS, stored?.executor ?? 'mock'),
    ...projectRootsOf(flags.projectRoots ?? stored?.project_roots),
    updated_at: new Date().toISOString(),
  };
}

/** Every file location of a stack, in one place (docs/cli.md "Files"). */
export function stackPaths(dataDir: string) {
  const runDir = path.join(dataDir, 'run');
  const logsDir = path.join(dataDir, 'logs');
  return {
    dataDir,
    runDir,
    logsDir,
    stackFile: path.join(runDir, 'stack.json'),
    apiPid: path.join(runDir, 'api.pid'),
    apiLog: path.join(logsDir, 'api.log'),
    /** Written by the API itself; names the process that holds the store. */
    apiOwnerPid: path.join(dataDir, 'api.pid'),
    tokenFile: path.join(dataDir, 'runner-token'),
    runnerPid: (i: number) => path.join(runDir, `runner-${i}.pid`),
    runnerLog: (i: number) => path.join(logsDir, `runner-${i}.log`),
    runnerDataDir: (i: number) => path.join(dataDir, 'runners', `runner-${i}`),
    /** The Telegram bridge `up` starts when MULTYAGENTS_TELEGRAM_BOT_TOKEN is set. */
    telegramPid: path.join(runDir, 'telegram.pid'),
    telegramLog: path.join(logsDir, 'telegram.log'),
  };
}
export type StackPaths = ReturnType<typeof stackPaths>;

export function apiUrl(s: StackSettings): string {
  return `http://${s.host}:${s.api_port}`;
}

export function runnerPort(s: StackSettings, i: number): number {
  return s.runner_port + i - 1;
}

export function runnerUrl(s: StackSettings, i: number): string {
  return `http://${s.host}:${runnerPort(s, i)}`;
}

export function runnerName(i: number): string {
  return `runner-${i}`;
}

export function readStack(dataDir: string): StackSettings | null {
  const file = stackPaths(dataDir).stackFile;
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const s = JSON.parse(raw) as StackSettings;
    if (s.version !== 1 || typeof s.api_port !== 'number') throw new Error('unknown layout');
    return { ...s, data_dir: dataDir };
  } catch (err) {
    throw new CliError('STACK_FILE_INVALID', `${file} is not a stack file (${(err as Error).message})`, {
      hint: 'delete it and run `multyagents up` again',
      exitCode: EXIT.conflict,
    });
  }
}

export function writeStack(s: StackSettings): void {
  const p = stackPaths(s.data_dir);
  fs.mkdirSync(p.runDir, { recursive: true, mode: 0o700 });
  const tmp = `${p.stackFile}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, p.stackFile);
}

/** The stack of a command that needs one (`down`, `restart`, ...): an explained error when there is none. */
export function requireStack(dataDir: string): StackSettings {
  const s = readStack(dataDir);
  if (!s) {
    throw new CliError('NO_STACK', `no stack in ${dataDir} (${stackPaths(dataDir).stackFile} is missing)`, {
      hint: 'start one with `multyagents up`, or pass the --data-dir it was started with',
      exitCode: EXIT.conflict,
    });
  }
  return s;
}

/** Runner indexes of a stack: 1..N from the settings plus any runner pid file left in run/. */
export function runnerIndexes(dataDir: string, s: StackSettings | null): number[] {
  const set = new Set<number>();
  for (let i = 1; i <= (s?.runners ?? 0); i++) set.add(i);
  try {
    for (const f of fs.readdirSync(stackPaths(dataDir).runDir)) {
      const m = /^runner-(\d+)\.pid$/.exec(f);
      if (m) set.add(Number(m[1]));
    }
  } catch {
    /* no run dir yet */
  }
  return [...set].sort((a, b) => a - b);
}
