import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureAgentClis, type AgentClis } from '../../src/agentsim/index.js';
import { resolveAgentCliCacheRoot } from '../../src/config/agentClis.js';

/**
 * For tests that run the real agent CLIs against the scripted model server (docs/agents-offline.md):
 * give `beforeAll(…, AGENT_CLI_INSTALL_BOUND_MS)` room for the first install.
 */
export const AGENT_CLI_INSTALL_BOUND_MS = 20 * 60_000;

/** The pinned CLIs from the cache, installed on first use; a failure says what to do about it. */
export async function agentClisForTests(tag: string): Promise<AgentClis> {
  try {
    return await ensureAgentClis({
      cacheRoot: resolveAgentCliCacheRoot(process.env),
      log: (line) => process.stderr.write(`[${tag}] ${line}\n`),
    });
  } catch (err) {
    throw new Error(
      `the real agent CLI tests need the pinned CLIs, and installing them failed (set ` +
        `MULTYAGENTS_AGENT_CLI_CACHE to a directory that has them, or make the npm registry reachable):\n` +
        (err as Error).message,
    );
  }
}

export interface SimWorkspace {
  /** A fresh git repository: the agent's cwd (codex refuses to run outside one). */
  repo: string;
  home: string;
  tmpdir: string;
  codexHome: string;
  /** Where the CLIs' non-loopback traffic goes: the scripted server, which records and refuses it. */
  proxy: string;
}

export function simWorkspace(root: string, name: string, proxy: string): SimWorkspace {
  const dir = path.join(root, name);
  const ws = {
    repo: path.join(dir, 'repo'),
    home: path.join(dir, 'home'),
    tmpdir: path.join(dir, 'tmp'),
    codexHome: path.join(dir, 'codex'),
    proxy,
  };
  for (const d of [ws.repo, ws.home, ws.tmpdir]) fs.mkdirSync(d, { recursive: true });
  execFileSync('git', ['init', '-q', ws.repo]);
  return ws;
}

// codex (workspace-write) makes this fixed-name directory in /tmp whatever TMPDIR says.
const CODEX_DAEMON_DIR = path.join('/tmp', `codex-daemon-${process.getuid?.() ?? 0}`);

/** Call before the runs; the returned function removes the directory if they made it and it is empty. */
export function codexDaemonDirCleanup(): () => void {
  const wasThere = fs.existsSync(CODEX_DAEMON_DIR);
  return () => {
    if (wasThere) return;
    try {
      fs.rmdirSync(CODEX_DAEMON_DIR); // only if empty: a concurrent codex may be using it
    } catch {
      // absent, or in use
    }
  };
}
