import { execFile } from 'node:child_process';
import http from 'node:http';
import type { RunnerCapability } from '@multyagents/contracts';
import type { RunnerConfig, SandboxMode } from '../config/runner.js';
import { probeBwrap, type BwrapProbe } from '../executors/sandbox.js';
import { AppError } from '../lib/errors.js';

/** `git merge-tree --write-tree` (the worktree mode's conflict check) arrived in git 2.38. */
export const MIN_GIT: readonly [number, number] = [2, 38];

export interface SandboxDecision {
  mode: SandboxMode;
  /** Whether attempts run inside bubblewrap (shared-workspace and isolated-worktree ones). */
  enabled: boolean;
  bin: string;
  /** null when mode is off (nothing was probed). */
  probe: BwrapProbe | null;
  message: string;
}

/**
 * Decided once at runner start. `bwrap` mode with a failing probe throws SANDBOX_UNAVAILABLE, which
 * the launcher prints as its one fatal line: an operator who asked for a sandbox never gets a runner
 * that silently runs agents without one.
 */
export async function resolveSandbox(
  config: Pick<RunnerConfig, 'sandbox' | 'bwrapBin'>,
  probe: (bin: string) => Promise<BwrapProbe> = probeBwrap,
): Promise<SandboxDecision> {
  const { sandbox: mode, bwrapBin: bin } = config;
  if (mode === 'off')
    return { mode, enabled: false, bin, probe: null, message: 'sandbox off (--sandbox off)' };
  const p = await probe(bin);
  if (p.ok) return { mode, enabled: true, bin, probe: p, message: `sandbox: ${p.message}` };
  if (mode === 'bwrap') {
    throw new AppError(
      'SANDBOX_UNAVAILABLE',
      `--sandbox bwrap: ${p.message} (install bubblewrap, enable unprivileged user namespaces, point --bwrap-bin at it, or use --sandbox auto|off)`,
    );
  }
  return {
    mode,
    enabled: false,
    bin,
    probe: p,
    message: `sandbox unavailable, agents run unsandboxed: ${p.message}`,
  };
}

/** `git version 2.39.5` → [2, 39, 5]; null when unparseable. */
export function parseGitVersion(text: string): number[] | null {
  const m = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

export function gitAtLeast(v: number[] | null, min: readonly number[] = MIN_GIT): boolean {
  if (v === null) return false;
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0;
    if (a !== min[i]) return a > min[i];
  }
  return true;
}

export function gitVersion(bin = 'git', timeoutMs = 5000): Promise<number[] | null> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) =>
      resolve(err ? null : parseGitVersion(stdout)),
    );
  });
}

/** Whether a Docker engine answers `GET /_ping` on its unix socket (a client alone is not enough). */
export function dockerAnswers(socketPath = '/var/run/docker.sock', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

export interface CapabilityProbes {
  git?: () => Promise<number[] | null>;
  docker?: () => Promise<boolean>;
  /** The decision resolveSandbox made at start (else bwrap is probed here, mode off = no). */
  sandbox?: SandboxDecision;
}

/** What this runner can honour, sent at registration (contracts RUNNER_CAPABILITIES). */
export async function detectCapabilities(
  config: Pick<RunnerConfig, 'sandbox' | 'bwrapBin'>,
  probes: CapabilityProbes = {},
): Promise<RunnerCapability[]> {
  const [git, docker, sandbox] = await Promise.all([
    (probes.git ?? gitVersion)(),
    (probes.docker ?? dockerAnswers)(),
    probes.sandbox ?? resolveSandbox({ ...config, sandbox: config.sandbox === 'off' ? 'off' : 'auto' }),
  ]);
  const out: RunnerCapability[] = [];
  if (gitAtLeast(git)) out.push('git-worktree');
  if (sandbox.enabled) out.push('bwrap');
  if (docker) out.push('docker');
  return out;
}
