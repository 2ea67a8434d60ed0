import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunnerConfig, testRunnerConfig } from '../../src/config/runner.js';
import type { BwrapProbe } from '../../src/executors/sandbox.js';
import { isAppError } from '../../src/lib/errors.js';
import {
  detectCapabilities,
  gitAtLeast,
  parseGitVersion,
  resolveSandbox,
} from '../../src/runner/capabilities.js';

const passes = async (): Promise<BwrapProbe> => ({ ok: true, version: '0.8.0', message: 'bubblewrap 0.8.0' });
const fails = async (): Promise<BwrapProbe> => ({
  ok: false,
  message: 'No permissions to create new namespace',
});

describe('runner sandbox config', () => {
  it('defaults: auto, bwrap on PATH, worktrees under the data dir, the host-wide lock registry', () => {
    const c = resolveRunnerConfig({}, {}, '/srv/app');
    expect(c.sandbox).toBe('auto');
    expect(c.bwrapBin).toBe('bwrap');
    expect(c.worktreesDir).toBe('/srv/app/.multyagents/runner-48070/worktrees');
    expect(c.pathLocksDir).toBe(path.join(os.tmpdir(), 'multyagents-path-locks'));
  });

  it('takes flags over env, resolves dirs against the cwd and refuses an unknown mode', () => {
    const env = {
      MULTYAGENTS_RUNNER_SANDBOX: 'off',
      MULTYAGENTS_RUNNER_BWRAP_BIN: '/opt/bwrap',
      MULTYAGENTS_RUNNER_WORKTREES_DIR: 'wts',
      MULTYAGENTS_RUNNER_PATH_LOCKS_DIR: 'locks',
    };
    expect(resolveRunnerConfig({}, env, '/w')).toMatchObject({
      sandbox: 'off',
      bwrapBin: '/opt/bwrap',
      worktreesDir: '/w/wts',
      pathLocksDir: '/w/locks',
    });
    expect(resolveRunnerConfig({ sandbox: 'bwrap', worktreesDir: '/abs/wt' }, env, '/w')).toMatchObject({
      sandbox: 'bwrap',
      worktreesDir: '/abs/wt',
    });
    expect(() => resolveRunnerConfig({ sandbox: 'docker' }, {}, '/w')).toThrow(
      /sandbox must be one of auto\|bwrap\|off/,
    );
  });

  it('test configs run unsandboxed with a lock registry of their own', () => {
    const c = testRunnerConfig('/tmp/x/runner', 'http://api', 'tok');
    expect(c.sandbox).toBe('off');
    expect(c.pathLocksDir).toBe('/tmp/x/runner/path-locks');
  });
});

describe('resolveSandbox', () => {
  it('auto uses bwrap when the probe passes and runs unsandboxed (saying why) when it fails', async () => {
    expect(await resolveSandbox({ sandbox: 'auto', bwrapBin: 'bwrap' }, passes)).toMatchObject({
      enabled: true,
      message: 'sandbox: bubblewrap 0.8.0',
    });
    const d = await resolveSandbox({ sandbox: 'auto', bwrapBin: 'bwrap' }, fails);
    expect(d.enabled).toBe(false);
    expect(d.message).toContain('No permissions to create new namespace');
  });

  it('bwrap refuses to start with SANDBOX_UNAVAILABLE and the reason; off probes nothing', async () => {
    const err = await resolveSandbox({ sandbox: 'bwrap', bwrapBin: '/x/bwrap' }, fails).catch(
      (e: unknown) => e,
    );
    expect(isAppError(err) && err.code).toBe('SANDBOX_UNAVAILABLE');
    expect((err as Error).message).toContain('No permissions to create new namespace');
    let probed = false;
    const off = await resolveSandbox({ sandbox: 'off', bwrapBin: 'bwrap' }, async () => {
      probed = true;
      return passes();
    });
    expect(off).toMatchObject({ enabled: false, probe: null });
    expect(probed).toBe(false);
  });
});

describe('capabilities', () => {
  it('parses git versions and compares them with 2.38', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual([2, 39, 5]);
    expect(parseGitVersion('git version 2.38.0.windows.1')).toEqual([2, 38, 0]);
    expect(parseGitVersion('hub version 1')).toBeNull();
    expect(gitAtLeast([2, 38, 0])).toBe(true);
    expect(gitAtLeast([3, 0, 0])).toBe(true);
    expect(gitAtLeast([2, 37, 9])).toBe(false);
    expect(gitAtLeast([1, 99, 0])).toBe(false);
    expect(gitAtLeast(null)).toBe(false);
  });

  it('lists exactly what the probes allow', async () => {
    const cfg = { sandbox: 'auto' as const, bwrapBin: 'bwrap' };
    const sandbox = await resolveSandbox(cfg, passes);
    const all = await detectCapabilities(cfg, {
      git: async () => [2, 39, 5],
      docker: async () => true,
      sandbox,
    });
    expect(all).toEqual(['git-worktree', 'bwrap', 'docker']);
    const none = await detectCapabilities(cfg, {
      git: async () => [2, 30, 0],
      docker: async () => false,
      sandbox: await resolveSandbox(cfg, fails),
    });
    expect(none).toEqual([]);
  });
});
