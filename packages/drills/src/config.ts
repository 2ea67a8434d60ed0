/** The chaos command's options, resolved once (flags, then env, then defaults). Reads no env itself. */
import path from 'node:path';
import { defaultStateDir } from './registry.js';
import { DEFAULT_TIMEOUTS, type DrillTimeouts } from './schedule.js';

export const DEFAULT_SEED = 1;

export interface ChaosFlags {
  only?: string;
  seed?: string;
  json?: string;
  list?: boolean;
  keep?: boolean;
  evidenceDir?: string;
}

export interface ChaosConfig {
  only: string[] | null;
  seed: number;
  jsonFile: string | null;
  list: boolean;
  keep: boolean;
  evidenceRoot: string;
  stateDir: string;
  timeouts: DrillTimeouts;
}

export class ChaosUsageError extends Error {}

export function resolveChaosConfig(
  flags: ChaosFlags,
  env: Record<string, string | undefined>,
  cwd: string,
): ChaosConfig {
  const rawSeed = flags.seed ?? env.MULTYAGENTS_CHAOS_SEED;
  let seed = DEFAULT_SEED;
  if (rawSeed !== undefined && rawSeed !== '') {
    seed = Number(rawSeed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
      throw new ChaosUsageError(`--seed must be an integer between 0 and ${2 ** 31 - 1}, got ${rawSeed}`);
  }
  const only = flags.only
    ? flags.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  return {
    only,
    seed,
    jsonFile: flags.json ? path.resolve(cwd, flags.json) : null,
    list: flags.list === true,
    keep: flags.keep === true,
    evidenceRoot: path.resolve(
      cwd,
      flags.evidenceDir ?? env.MULTYAGENTS_CHAOS_DIR ?? path.join('.multyagents', 'chaos'),
    ),
    stateDir: env.MULTYAGENTS_CHAOS_STATE_DIR
      ? path.resolve(cwd, env.MULTYAGENTS_CHAOS_STATE_DIR)
      : defaultStateDir(),
    timeouts: DEFAULT_TIMEOUTS,
  };
}
