import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../lib/errors.js';
import { pickEnum, pickInt, pickString, resolveLogRotation, type Env, type LogRotation } from './env.js';

export type DispatchMode = 'auto' | 'manual';

/**
 * The built web panel when MULTYAGENTS_UI_DIR is unset, from this module's folder (src/config or
 * dist/config: the same depth; the bundle keeps each module's own import.meta.url, scripts/bundle.mjs).
 * In the checkout (the ui package, packages/ui/package.json, next to this package): packages/ui/dist,
 * built or not, so an unbuilt panel answers UI_NOT_BUILT naming the build command. Anywhere else (an
 * installed tarball in node_modules): the copy `npm pack` put in this package's dist/ui
 * (scripts/prepack.mjs).
 */
export function defaultUiDir(configDir: string, exists: (p: string) => boolean = fs.existsSync): string {
  const uiPackage = path.resolve(configDir, '../../../ui');
  return exists(path.join(uiPackage, 'package.json'))
    ? path.join(uiPackage, 'dist')
    : path.resolve(configDir, '../ui');
}

/** Resolved once, when the config module loads. */
const DEFAULT_UI_DIR = defaultUiDir(path.dirname(fileURLToPath(import.meta.url)));

/** Browser origins allowed by CORS: v1's localhost pattern (any port) and exact origins. */
export interface CorsOrigins {
  localhost: boolean;
  exact: string[];
}
export type Durability = 'full' | 'relaxed';

/** Everything the API process needs, resolved once at the edge. */
export interface ApiConfig {
  host: string;
  port: number;
  dataDir: string;
  dbFile: string;
  /** Base URL runners use to reach us (status callbacks). */
  publicUrl: string;
  dispatchMode: DispatchMode;
  runnerAuth: boolean;
  /** The operator chose to serve a non-loopback address without auth (`--insecure-no-auth`). */
  insecureNoAuth: boolean;
  /** When set, every operator endpoint requires `Authorization: Bearer <token>` or `X-Api-Token`. */
  operatorToken: string | null;
  durability: Durability;
  bodyLimitBytes: number;
  logLevel: string;
  /** MULTYAGENTS_LOG_MAX_BYTES / MULTYAGENTS_LOG_KEEP. */
  logRotation: LogRotation;
  logFile: string | null;
  /** Runner silent longer than this is unreachable. */
  heartbeatTimeoutMs: number;
  /** Unreachable longer than this: its attempts are lost. */
  lostGraceMs: number;
  /** Default wait for a runner before a ready task fails submit-failed. */
  defaultTimeToStartS: number;
  /** Default run-time limit of an attempt. */
  defaultTaskTimeoutS: number;
  /** Timeout of one API → runner HTTP call. */
  runnerCallTimeoutMs: number;
  /** Scheduler wakes at least this often (it is also woken by every state change). */
  schedulerIntervalMs: number;
  /** Origins a browser page may call us from (MULTYAGENTS_CORS_ORIGINS). */
  corsOrigins: CorsOrigins;
  /** `GET /events/stream`: heartbeat comment interval, slow-client limit, most streams at once. */
  streamHeartbeatMs: number;
  streamSlowClientMs: number;
  streamMaxClients: number;
  /** Newest events the stream keeps in memory; a client further behind catches up from the store. */
  streamWindowEvents: number;
  /**
   * Directories a project's root_path (and allowed_paths) must resolve inside, symlinks followed
   * (`--project-roots` / MULTYAGENTS_PROJECT_ROOTS; default: the home directory and the data dir's parent).
   */
  projectRoots: string[];
  /**
   * The built web panel served under /ui/: MULTYAGENTS_UI_DIR, else packages/ui/dist of the checkout, else
   * (an installed tarball) the panel packed into this package's dist/ui (`defaultUiDir`).
   */
  uiDir: string;
  /** `GET /tasks/stuck`: default age after which a task counts as stuck (MULTYAGENTS_STUCK_AFTER_S). */
  stuckAfterS: number;
  /** Evidence of `multyagents chaos` runs read by `GET /drills` (MULTYAGENTS_CHAOS_DIR; default `<data dir>/chaos`). */
  chaosDir: string;
  /** How often the API looks for new chaos reports to announce (`drill.report_written`); 0: never. */
  drillWatchMs: number;
}

export interface ApiFlags {
  host?: string;
  port?: string | number;
  dataDir?: string;
  publicUrl?: string;
  dispatch?: string;
  runnerAuth?: string;
  /** Serve a non-loopback address without an operator token / runner auth (logged loudly). */
  insecureNoAuth?: boolean;
  durability?: string;
  logLevel?: string;
  logFile?: string;
  /** Colon-separated allowed bases for project roots. */
  projectRoots?: string;
}

/** Operator tokens shorter than this are refused: a guessable token is no protection. */
export const MIN_OPERATOR_TOKEN = 16;

/** Unset: no operator auth. Set: at least MIN_OPERATOR_TOKEN characters (an empty one is not "off"). */
function resolveOperatorToken(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (raw.length < MIN_OPERATOR_TOKEN) {
    throw new AppError(
      'CONFIG_INVALID',
      `MULTYAGENTS_OPERATOR_TOKEN is ${raw.length === 0 ? 'empty' : `${raw.length} characters`}: ` +
        `use at least ${MIN_OPERATOR_TOKEN} (e.g. \`openssl rand -hex 24\`), or unset it for no operator auth on loopback`,
    );
  }
  return raw;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * Serving a non-loopback address without an operator token (or with runner auth off) exposes every
 * operator route to the network: refused unless the operator says `--insecure-no-auth`.
 */
function refuseOpenBind(host: string, token: string | null, runnerAuth: boolean, insecure: boolean): void {
  if (LOOPBACK_HOST.test(host) || insecure) return;
  const missing = [
    ...(token === null ? ['no operator token (MULTYAGENTS_OPERATOR_TOKEN)'] : []),
    ...(runnerAuth ? [] : ['--runner-auth off']),
  ];
  if (missing.length === 0) return;
  throw new AppError(
    'CONFIG_INVALID',
    `--host ${host} is reachable from the network, with ${missing.join(' and ')}: ` +
      'set MULTYAGENTS_OPERATOR_TOKEN (and keep runner auth on), bind 127.0.0.1, ' +
      'or pass --insecure-no-auth to serve it anyway',
  );
}

export function resolveApiConfig(flags: ApiFlags, env: Env, cwd = process.cwd()): ApiConfig {
  const host = pickString(flags.host, env.MULTYAGENTS_API_HOST, '127.0.0.1');
  const port = pickInt('port', flags.port, env.MULTYAGENTS_API_PORT, 48000, 0, 65535);
  const dataDir = path.resolve(cwd, pickString(flags.dataDir, env.MULTYAGENTS_DATA_DIR, '.multyagents'));
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const operatorToken = resolveOperatorToken(env.MULTYAGENTS_OPERATOR_TOKEN);
  const runnerAuth =
    pickEnum('runner-auth', flags.runnerAuth, env.MULTYAGENTS_RUNNER_AUTH, ['on', 'off'] as const, 'on') ===
    'on';
  const insecureNoAuth = flags.insecureNoAuth === true || env.MULTYAGENTS_INSECURE_NO_AUTH === '1';
  refuseOpenBind(host, operatorToken, runnerAuth, insecureNoAuth);
  return {
    host,
    port,
    dataDir,
    dbFile: path.join(dataDir, 'multyagents.db'),
    publicUrl: pickString(flags.publicUrl, env.MULTYAGENTS_PUBLIC_URL, `http://${urlHost}:${port}`),
    dispatchMode: pickEnum(
      'dispatch',
      flags.dispatch,
      env.MULTYAGENTS_DISPATCH_MODE,
      ['auto', 'manual'] as const,
      'auto',
    ),
    runnerAuth,
    insecureNoAuth,
    operatorToken,
    durability: pickEnum(
      'durability',
      flags.durability,
      env.MULTYAGENTS_DURABILITY,
      ['full', 'relaxed'] as const,
      'full',
    ),
    bodyLimitBytes: pickInt('body limit', undefined, env.MULTYAGENTS_BODY_LIMIT_BYTES, 4 * 1024 * 1024, 1024),
    logLevel: pickString(flags.logLevel, env.MULTYAGENTS_LOG_LEVEL, 'info'),
    logRotation: resolveLogRotation(env),
    logFile: flags.logFile ?? env.MULTYAGENTS_API_LOG_FILE ?? null,
    heartbeatTimeoutMs: pickInt(
      'heartbeat timeout',
      undefined,
      env.MULTYAGENTS_HEARTBEAT_TIMEOUT_MS,
      5_000,
      100,
    ),
    lostGraceMs: pickInt('lost grace', undefined, env.MULTYAGENTS_LOST_GRACE_MS, 5_000, 0),
    defaultTimeToStartS: pickInt('time to start', undefined, env.MULTYAGENTS_TIME_TO_START_S, 30, 1),
    defaultTaskTimeoutS: pickInt('task timeout', undefined, env.MULTYAGENTS_TASK_TIMEOUT_S, 3600, 1),
    runnerCallTimeoutMs: pickInt(
      'runner call timeout',
      undefined,
      env.MULTYAGENTS_RUNNER_CALL_TIMEOUT_MS,
      2_000,
      50,
    ),
    schedulerIntervalMs: pickInt(
      'scheduler interval',
      undefined,
      env.MULTYAGENTS_SCHEDULER_INTERVAL_MS,
      200,
      5,
    ),
    corsOrigins: parseCorsOrigins(env.MULTYAGENTS_CORS_ORIGINS),
    streamHeartbeatMs: pickInt(
      'stream heartbeat',
      undefined,
      env.MULTYAGENTS_STREAM_HEARTBEAT_MS,
      15_000,
      100,
    ),
    streamSlowClientMs: pickInt(
      'stream slow client',
      undefined,
      env.MULTYAGENTS_STREAM_SLOW_CLIENT_MS,
      10_000,
      100,
    ),
    streamMaxClients: pickInt('stream max clients', undefined, env.MULTYAGENTS_STREAM_MAX_CLIENTS, 1000, 1),
    streamWindowEvents: pickInt('stream window', undefined, env.MULTYAGENTS_STREAM_WINDOW_EVENTS, 5000, 1),
    projectRoots: resolveProjectRoots(flags.projectRoots ?? env.MULTYAGENTS_PROJECT_ROOTS, dataDir, cwd),
    uiDir: env.MULTYAGENTS_UI_DIR ? path.resolve(cwd, env.MULTYAGENTS_UI_DIR) : DEFAULT_UI_DIR,
    stuckAfterS: pickInt('stuck after', undefined, env.MULTYAGENTS_STUCK_AFTER_S, 120, 1, 86_400),
    // The same default as `multyagents chaos --evidence-dir` (.multyagents/chaos of the cwd).
    chaosDir: env.MULTYAGENTS_CHAOS_DIR
      ? path.resolve(cwd, env.MULTYAGENTS_CHAOS_DIR)
      : path.join(dataDir, 'chaos'),
    drillWatchMs: pickInt('drill watch', undefined, env.MULTYAGENTS_DRILL_WATCH_MS, 5000, 0, 3_600_000),
  };
}

/**
 * `--project-roots` / `MULTYAGENTS_PROJECT_ROOTS`: colon-separated absolute directories. Unset: the
 * user's home directory and the data dir's parent. `/` is never a base: it would allow everything
 * (a default that resolves to `/`, e.g. a data dir at `/data`, is dropped).
 */
export function resolveProjectRoots(raw: string | undefined, dataDir: string, cwd: string): string[] {
  if (raw === undefined || raw.trim() === '') {
    const defaults = [os.homedir(), path.dirname(dataDir)].map((d) => path.resolve(d));
    return [...new Set(defaults.filter((d) => d !== path.sep))];
  }
  const out: string[] = [];
  for (const item of raw
    .split(':')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!path.isAbsolute(item))
      throw new AppError('CONFIG_INVALID', `--project-roots: '${item}' is not an absolute directory`);
    const dir = path.resolve(cwd, item);
    if (dir === path.sep)
      throw new AppError(
        'CONFIG_INVALID',
        "--project-roots: '/' would allow a project anywhere; name the directories projects live in",
      );
    if (!out.includes(dir)) out.push(dir);
  }
  return out;
}

/**
 * `MULTYAGENTS_CORS_ORIGINS`: unset → localhost and 127.0.0.1 on any port (the first version's
 * default); otherwise a comma-separated list of exact origins (`https://ops.example:8443`) where the
 * word `localhost` keeps that default pattern, and `none` (or an empty value) allows no origin.
 */
export function parseCorsOrigins(raw: string | undefined): CorsOrigins {
  if (raw === undefined) return { localhost: true, exact: [] };
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'none');
  const exact = items.filter((s) => s !== 'localhost').map((s) => s.replace(/\/$/, ''));
  for (const o of exact)
    if (!/^https?:\/\/[^/\s]+$/.test(o))
      throw new AppError(
        'CONFIG_INVALID',
        `MULTYAGENTS_CORS_ORIGINS: '${o}' is not an origin (scheme://host[:port])`,
      );
  return { localhost: items.includes('localhost'), exact };
}

/**
 * A config for in-process tests: temp data dir, manual knobs, nothing read from env. Tests make their
 * projects in the temp directory, so it is given as the project base explicitly (not a default).
 */
export function testApiConfig(dataDir: string, overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    ...resolveApiConfig({ dataDir, port: 0, projectRoots: os.tmpdir() }, {}),
    runnerAuth: true,
    insecureNoAuth: false,
    logLevel: 'silent',
    ...overrides,
  };
}
