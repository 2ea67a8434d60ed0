import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../lib/errors.js';
import { pickEnum, pickInt, pickString, resolveLogRotation, type Env, type LogRotation } from './env.js';

export const EXECUTOR_NAMES = ['mock', 'command', 'codex', 'claude'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];
export type PromptVia = 'arg' | 'env' | 'stdin';
export const SANDBOX_MODES = ['auto', 'bwrap', 'off'] as const;
/** auto: bubblewrap when its probe passes; bwrap: required (the runner refuses to start without); off: never. */
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** Everything the runner process needs, resolved once at the edge. */
export interface RunnerConfig {
  host: string;
  port: number;
  /** URL the API uses to reach us (sent at registration). */
  publicUrl: string | null;
  apiUrl: string;
  name: string;
  dataDir: string;
  dbFile: string;
  /** Working directory of `no-workspace` attempts. */
  workDir: string;
  logsDir: string;
  executor: ExecutorName;
  capacity: number;
  labels: string[];
  heartbeatMs: number;
  drainMs: number;
  /** SIGTERM → SIGKILL grace when killing an attempt's process group. */
  killGraceMs: number;
  /** Timeout of one runner → API call. */
  apiTimeoutMs: number;
  /** Cap of the outbox retry backoff. */
  outboxCapMs: number;
  token: string | null;
  /** Read when `token` is null (the API writes it at first start); waited for up to tokenWaitMs. */
  tokenFile: string;
  tokenWaitMs: number;
  ledgerFile: string;
  commandArgv: string[] | null;
  commandPromptVia: PromptVia;
  codexBin: string;
  codexArgs: string[];
  claudeBin: string;
  claudeArgs: string[];
  /** Environment of agent processes: ours minus the runner's secrets. */
  childEnv: Env;
  logLevel: string;
  /** MULTYAGENTS_LOG_MAX_BYTES / MULTYAGENTS_LOG_KEEP. */
  logRotation: LogRotation;
  logFile: string | null;
  sandbox: SandboxMode;
  bwrapBin: string;
  /** Where isolated-worktree attempts get their `git worktree`s. */
  worktreesDir: string;
  /** Host-wide registry of shared-workspace path locks (runner/pathLocks.ts), shared by all runners. */
  pathLocksDir: string;
  /** `on-failure`: a succeeded step's worktree is removed once its commit is pinned; `always`: kept. */
  keepWorktrees: KeepWorktrees;
  /** Worktrees left behind (failed attempts, orphans) older than this are swept at start. */
  worktreeKeepMs: number;
  /** Author and committer of the runner's result commits. */
  gitAuthor: { name: string; email: string };
}

export const KEEP_WORKTREES = ['on-failure', 'always'] as const;
export type KeepWorktrees = (typeof KEEP_WORKTREES)[number];

export interface RunnerFlags {
  host?: string;
  port?: string | number;
  publicUrl?: string;
  api?: string;
  name?: string;
  dataDir?: string;
  workDir?: string;
  executor?: string;
  capacity?: string | number;
  labels?: string;
  heartbeatMs?: string | number;
  drainMs?: string | number;
  killGraceMs?: string | number;
  token?: string;
  ledger?: string;
  commandArgv?: string;
  commandPromptVia?: string;
  codexBin?: string;
  codexArgs?: string;
  claudeBin?: string;
  claudeArgs?: string;
  logLevel?: string;
  logFile?: string;
  sandbox?: string;
  keepWorktrees?: string;
  bwrapBin?: string;
  worktreesDir?: string;
  pathLocksDir?: string;
}

const SECRET_ENV = [
  'MULTYAGENTS_RUNNER_TOKEN',
  'MULTYAGENTS_RUNNER_TOKEN_FILE',
  'MULTYAGENTS_OPERATOR_TOKEN',
];

function jsonArgv(name: string, raw: string | undefined, def: string[] | null): string[] | null {
  if (raw === undefined || raw === '') return def;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new AppError('CONFIG_INVALID', `${name} must be a JSON array of strings, e.g. '["prog","--flag"]'`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new AppError('CONFIG_INVALID', `${name} must be a JSON array of strings`);
  }
  return v as string[];
}

export function resolveRunnerConfig(flags: RunnerFlags, env: Env, cwd = process.cwd()): RunnerConfig {
  const host = pickString(flags.host, env.MULTYAGENTS_RUNNER_HOST, '127.0.0.1');
  const port = pickInt('port', flags.port, env.MULTYAGENTS_RUNNER_PORT, 48070, 0, 65535);
  const dataDir = path.resolve(
    cwd,
    pickString(flags.dataDir, env.MULTYAGENTS_RUNNER_DATA_DIR, path.join('.multyagents', `runner-${port}`)),
  );
  const apiDataDir = path.resolve(cwd, pickString(undefined, env.MULTYAGENTS_DATA_DIR, '.multyagents'));
  const executor = pickEnum(
    'executor',
    flags.executor,
    env.MULTYAGENTS_RUNNER_EXECUTOR,
    EXECUTOR_NAMES,
    'mock',
  );
  const commandArgv = jsonArgv('--command-argv', flags.commandArgv ?? env.MULTYAGENTS_COMMAND_ARGV, null);
  if (executor === 'command' && (!commandArgv || commandArgv.length === 0)) {
    throw new AppError(
      'CONFIG_INVALID',
      'executor \'command\' needs --command-argv \'["prog","{prompt}"]\' (or env MULTYAGENTS_COMMAND_ARGV)',
    );
  }
  const labels = pickString(flags.labels, env.MULTYAGENTS_RUNNER_LABELS, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const childEnv: Env = { ...env };
  for (const k of SECRET_ENV) delete childEnv[k];
  const token = flags.token ?? env.MULTYAGENTS_RUNNER_TOKEN ?? null;
  return {
    host,
    port,
    publicUrl: flags.publicUrl ?? env.MULTYAGENTS_RUNNER_PUBLIC_URL ?? null,
    apiUrl: pickString(flags.api, env.MULTYAGENTS_API_URL, 'http://127.0.0.1:48000').replace(/\/+$/, ''),
    name: pickString(flags.name, env.MULTYAGENTS_RUNNER_NAME, `${os.hostname()}:${port}`),
    dataDir,
    dbFile: path.join(dataDir, 'runner.db'),
    workDir: path.resolve(
      cwd,
      pickString(flags.workDir, env.MULTYAGENTS_RUNNER_WORK_DIR, path.join(dataDir, 'work')),
    ),
    logsDir: path.join(dataDir, 'logs'),
    executor,
    capacity: pickInt('capacity', flags.capacity, env.MULTYAGENTS_RUNNER_CAPACITY, 4, 1, 1000),
    labels,
    heartbeatMs: pickInt('heartbeat-ms', flags.heartbeatMs, env.MULTYAGENTS_RUNNER_HEARTBEAT_MS, 1000, 10),
    drainMs: pickInt('drain-ms', flags.drainMs, env.MULTYAGENTS_RUNNER_DRAIN_MS, 10_000, 0),
    killGraceMs: pickInt('kill-grace-ms', flags.killGraceMs, env.MULTYAGENTS_RUNNER_KILL_GRACE_MS, 5000, 0),
    apiTimeoutMs: pickInt('api timeout', undefined, env.MULTYAGENTS_RUNNER_API_TIMEOUT_MS, 5000, 50),
    outboxCapMs: pickInt('outbox cap', undefined, env.MULTYAGENTS_RUNNER_OUTBOX_CAP_MS, 5000, 10),
    token: token === '' ? null : token,
    tokenFile: path.resolve(
      cwd,
      pickString(undefined, env.MULTYAGENTS_RUNNER_TOKEN_FILE, path.join(apiDataDir, 'runner-token')),
    ),
    tokenWaitMs: pickInt('token wait', undefined, env.MULTYAGENTS_RUNNER_TOKEN_WAIT_MS, 15_000, 0),
    ledgerFile: path.resolve(
      cwd,
      pickString(flags.ledger, env.MULTYAGENTS_EFFECT_LEDGER, path.join(dataDir, 'effects.jsonl')),
    ),
    commandArgv,
    commandPromptVia: pickEnum(
      'command-prompt-via',
      flags.commandPromptVia,
      env.MULTYAGENTS_COMMAND_PROMPT_VIA,
      ['arg', 'env', 'stdin'] as const,
      'arg',
    ),
    codexBin: pickString(flags.codexBin, env.MULTYAGENTS_CODEX_BIN, 'codex'),
    codexArgs: jsonArgv('--codex-args', flags.codexArgs ?? env.MULTYAGENTS_CODEX_ARGS, []) as string[],
    claudeBin: pickString(flags.claudeBin, env.MULTYAGENTS_CLAUDE_BIN, 'claude'),
    claudeArgs: jsonArgv('--claude-args', flags.claudeArgs ?? env.MULTYAGENTS_CLAUDE_ARGS, []) as string[],
    childEnv,
    logLevel: pickString(flags.logLevel, env.MULTYAGENTS_LOG_LEVEL, 'info'),
    logRotation: resolveLogRotation(env),
    logFile: flags.logFile ?? env.MULTYAGENTS_RUNNER_LOG_FILE ?? null,
    sandbox: pickEnum('sandbox', flags.sandbox, env.MULTYAGENTS_RUNNER_SANDBOX, SANDBOX_MODES, 'auto'),
    bwrapBin: pickString(flags.bwrapBin, env.MULTYAGENTS_RUNNER_BWRAP_BIN, 'bwrap'),
    worktreesDir: path.resolve(
      cwd,
      pickString(flags.worktreesDir, env.MULTYAGENTS_RUNNER_WORKTREES_DIR, path.join(dataDir, 'worktrees')),
    ),
    pathLocksDir: path.resolve(
      cwd,
      pickString(
        flags.pathLocksDir,
        env.MULTYAGENTS_RUNNER_PATH_LOCKS_DIR,
        path.join(os.tmpdir(), 'multyagents-path-locks'),
      ),
    ),
    keepWorktrees: pickEnum(
      'keep-worktrees',
      flags.keepWorktrees,
      env.MULTYAGENTS_RUNNER_KEEP_WORKTREES,
      KEEP_WORKTREES,
      'on-failure',
    ),
    worktreeKeepMs:
      pickInt(
        'MULTYAGENTS_RUNNER_WORKTREE_KEEP_HOURS',
        undefined,
        env.MULTYAGENTS_RUNNER_WORKTREE_KEEP_HOURS,
        72,
        0,
        100_000,
      ) * 3_600_000,
    gitAuthor: {
      name: pickString(undefined, env.MULTYAGENTS_GIT_AUTHOR_NAME, 'multyagents'),
      email: pickString(undefined, env.MULTYAGENTS_GIT_AUTHOR_EMAIL, 'multyagents@localhost'),
    },
  };
}

/** The token from the file the API writes at first start; null while it does not exist yet. */
export function readTokenFile(file: string): string | null {
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    return t.length > 0 ? t : null;
  } catch {
    return null;
  }
}

/** A config for in-process tests: given dirs and URLs, nothing read from the real env but PATH/HOME. */
export function testRunnerConfig(
  dataDir: string,
  apiUrl: string,
  token: string,
  overrides: Partial<RunnerConfig> = {},
): RunnerConfig {
  const base = resolveRunnerConfig(
    { dataDir, api: apiUrl, port: 0, token, name: 'test-runner' },
    { PATH: process.env.PATH, HOME: process.env.HOME },
  );
  // A test's lock registry is its own (the host-wide default would couple parallel tests); no
  // sandbox unless a test asks for one.
  return {
    ...base,
    logLevel: 'silent',
    killGraceMs: 1000,
    heartbeatMs: 100,
    sandbox: 'off',
    pathLocksDir: path.join(base.dataDir, 'path-locks'),
    ...overrides,
  };
}
