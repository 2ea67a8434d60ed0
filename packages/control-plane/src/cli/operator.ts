/**
 * What the operator's verbs (`runs`, `tasks`, `approvals`, `runners`, `watch`) share: the API options
 * resolved as `run` resolves them, the operator token, id arguments, JSON output.
 */
import type { Command } from 'commander';
import { processEnv, type Env } from '../config/env.js';
import { operatorClient, operatorHeaders, resolveApiUrl } from './client.js';
import { usageError } from './errors.js';
import { envHelp } from './helpText.js';
import type { JsonClient } from './http.js';
import { parseIntArg } from './validate.js';

export interface ApiOptions {
  api?: string;
  dataDir?: string;
  json?: boolean;
}

export const OPERATOR_ENV = ['MULTYAGENTS_API_URL', 'MULTYAGENTS_DATA_DIR', 'MULTYAGENTS_OPERATOR_TOKEN'];

/** `--api`, `--data-dir`, `--json` and the environment section of the help. */
export function withApiOptions(cmd: Command, exitText: string, json = true): Command {
  cmd
    .option(
      '--api <url>',
      'API base URL (default: $MULTYAGENTS_API_URL, the stack in --data-dir, else :48000)',
    )
    .option('--data-dir <dir>', 'data dir whose stack gives the API URL (default .multyagents)');
  if (json) cmd.option('--json', 'print JSON instead of text');
  return cmd.addHelpText('after', `\n${exitText}${envHelp(OPERATOR_ENV)}`);
}

export interface Operator {
  api: JsonClient;
  env: Env;
  /** Headers for requests made outside JsonClient (the event stream). */
  headers: Record<string, string>;
}

export function operator(opts: ApiOptions, env: Env = processEnv()): Operator {
  const api = operatorClient(resolveApiUrl(opts, env), env);
  return { api, env, headers: operatorHeaders(env) };
}

/** A run, task, approval or runner id: a positive integer, else a usage error (exit 2). */
export function parseId(what: string, raw: string): number {
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw usageError(`${what} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

export function parseLimit(raw: string | undefined, def: number): number {
  return parseIntArg('--limit', raw, def, 1, 10_000);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runner id → name from GET /runners (names are cosmetic: `runner#id` when unknown or unreachable). */
export async function runnerNames(api: JsonClient): Promise<(id: number) => string> {
  const names = new Map<number, string>();
  try {
    for (const r of await api.get<Array<{ id: number; name: string }>>('/runners', 3000))
      names.set(r.id, r.name);
  } catch {
    /* ids are shown instead */
  }
  return (id: number) => names.get(id) ?? `runner#${id}`;
}
