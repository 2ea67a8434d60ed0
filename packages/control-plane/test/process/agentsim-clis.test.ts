import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCliBins, agentCliDir, ensureAgentClis } from '../../src/agentsim/clis.js';
import { resolveAgentCliCacheRoot } from '../../src/config/agentClis.js';

/**
 * The installer's cache, lock and failure paths, with a fake `npm` that installs two stub binaries
 * (the real install is exercised by real-agent-clis.test.ts).
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakeNpm(o: { fail?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-fake-npm-'));
  dirs.push(dir);
  const calls = path.join(dir, 'calls');
  const bin = path.join(dir, 'npm');
  const stub = (name: string, version: string) =>
    `cat > "$prefix/node_modules/.bin/${name}" <<'EOF'\n#!/bin/sh\necho '${version}'\nEOF\nchmod +x "$prefix/node_modules/.bin/${name}"`;
  const fail = [
    `echo "$*" >> '${calls}.failed'`,
    `echo 'npm error code ECONNREFUSED' >&2`,
    `echo 'npm error network request to https://registry.npmjs.org/@openai%2fcodex failed' >&2`,
    `echo 'npm error     at stack.frame (node:internal)' >&2`,
    'exit 1',
  ].join('\n');
  fs.writeFileSync(
    bin,
    [
      '#!/bin/sh',
      o.fail ? fail : '',
      `if [ "$1" = view ]; then echo "$*" >> '${calls}.view'; echo 0.171.0; exit 0; fi`,
      `echo "$*" >> '${calls}'`,
      'prefix="$3"', // npm install --prefix <dir> …
      'mkdir -p "$prefix/node_modules/.bin"',
      stub('claude', '2.1.332 (Claude Code)'),
      stub('codex', 'codex-cli 0.171.0'),
    ].join('\n'),
  );
  fs.chmodSync(bin, 0o755);
  const count = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').length : 0);
  const lines = (file: string) =>
    fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
  return { bin, count, calls, views: () => lines(`${calls}.view`), failed: () => lines(`${calls}.failed`) };
}

function cacheRoot() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-cli-cache-'));
  dirs.push(root);
  return root;
}

describe('agent CLI installer', () => {
  it('installs once for two concurrent callers, then serves from the cache', async () => {
    const npm = fakeNpm();
    const root = cacheRoot();
    const [a, b] = await Promise.all([
      ensureAgentClis({ cacheRoot: root, npm: npm.bin }),
      ensureAgentClis({ cacheRoot: root, npm: npm.bin }),
    ]);
    expect(npm.count()).toBe(1);
    expect(fs.readFileSync(npm.calls, 'utf8')).toContain(
      '--ignore-scripts=false --loglevel=error @anthropic-ai/claude-code@2.1.332 @openai/codex@0.171.0',
    );
    expect([a.installed, b.installed].sort()).toEqual([false, true]);
    expect(npm.views()).toEqual([
      'view @openai/codex@0.171.0 version --fetch-retries=0 --fetch-timeout=30000',
    ]);
    expect(a.dir).toBe(agentCliDir(root));
    expect(a.versions).toEqual({ claude: '2.1.332 (Claude Code)', codex: 'codex-cli 0.171.0' });
    expect(fs.readdirSync(root)).toEqual([path.basename(a.dir)]); // no lock or staging left behind

    const again = await ensureAgentClis({ cacheRoot: root, npm: npm.bin });
    expect([again.installed, npm.count()]).toEqual([false, 1]);
  });

  it('takes over the lock of a dead process', async () => {
    const npm = fakeNpm();
    const root = cacheRoot();
    const lock = `${agentCliDir(root)}.lock`;
    fs.mkdirSync(lock);
    // A pid that surely is not running: a child that already exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    fs.writeFileSync(path.join(lock, 'owner'), String(dead));
    const lines: string[] = [];
    const got = await ensureAgentClis({ cacheRoot: root, npm: npm.bin, log: (l) => lines.push(l) });
    expect(got.installed).toBe(true);
    expect(lines.some((l) => l.includes(`dead process ${dead}`))).toBe(true);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('gives up on a lock held by a live process after the bound, saying who holds it', async () => {
    const root = cacheRoot();
    const lock = `${agentCliDir(root)}.lock`;
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner'), String(process.ppid));
    await expect(ensureAgentClis({ cacheRoot: root, npm: fakeNpm().bin, lockTimeoutMs: 0 })).rejects.toThrow(
      `another process (${process.ppid}) holds`,
    );
  });

  it('reinstalls a broken cached copy', async () => {
    const npm = fakeNpm();
    const root = cacheRoot();
    const first = await ensureAgentClis({ cacheRoot: root, npm: npm.bin });
    fs.rmSync(agentCliBins(first.dir).codex);
    const second = await ensureAgentClis({ cacheRoot: root, npm: npm.bin });
    expect([second.installed, npm.count()]).toEqual([true, 2]);
  });

  it('says plainly that the registry is needed, after one quick probe, and leaves no staging dir', async () => {
    const root = cacheRoot();
    const npm = fakeNpm({ fail: true });
    const err = await ensureAgentClis({ cacheRoot: root, npm: npm.bin }).catch((e: Error) => e);
    expect(String(err)).toContain(
      'could not install @anthropic-ai/claude-code@2.1.332 @openai/codex@0.171.0 from the npm registry; is it reachable?',
    );
    expect(String(err)).toContain('npm error code ECONNREFUSED\nnpm error network request to');
    expect(String(err)).not.toContain('stack.frame');
    expect(npm.failed()).toEqual([
      'view @openai/codex@0.171.0 version --fetch-retries=0 --fetch-timeout=30000',
    ]);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('resolves the cache root from MULTYAGENTS_AGENT_CLI_CACHE, XDG_CACHE_HOME, then HOME', () => {
    expect(resolveAgentCliCacheRoot({ MULTYAGENTS_AGENT_CLI_CACHE: '/c', HOME: '/h' })).toBe('/c');
    expect(resolveAgentCliCacheRoot({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/multyagents/agent-clis');
    expect(resolveAgentCliCacheRoot({ HOME: '/h' })).toBe('/h/.cache/multyagents/agent-clis');
  });
});
