import os from 'node:os';
import path from 'node:path';
import { pickString, type Env } from './env.js';

/**
 * Where the pinned agent CLIs are installed on demand (agentsim/clis.ts): `MULTYAGENTS_AGENT_CLI_CACHE`,
 * else `$XDG_CACHE_HOME/multyagents/agent-clis`, else `~/.cache/multyagents/agent-clis`. One
 * subdirectory per set of pinned versions lives below it.
 */
export function resolveAgentCliCacheRoot(env: Env): string {
  const cacheHome = pickString(undefined, env.XDG_CACHE_HOME, path.join(env.HOME || os.homedir(), '.cache'));
  return path.resolve(
    pickString(undefined, env.MULTYAGENTS_AGENT_CLI_CACHE, path.join(cacheHome, 'multyagents', 'agent-clis')),
  );
}
