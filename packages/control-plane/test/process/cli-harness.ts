import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers for the launcher's process tests: run the built CLI, and find processes a test left behind. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const BIN = path.join(ROOT, 'packages/control-plane/dist/bin/multyagents.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!fs.existsSync(BIN))
    throw new Error(`${BIN} is missing: build first (npx tsc -b packages/control-plane)`);
}

/** Run `node dist/bin/multyagents.js <args>` to completion (killed after `timeoutMs`). */
export function cli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Only the test's own MULTYAGENTS_* settings: none of the caller's may leak into the CLI.
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const k of Object.keys(env)) if (k.startsWith('MULTYAGENTS_')) delete env[k];
    // Tests make their projects under the temp directory: the API is told so (not a default).
    env.MULTYAGENTS_PROJECT_ROOTS = os.tmpdir();
    Object.assign(env, opts.env);
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'ma-cli-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\)\s+Z\s/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Pids of live processes whose command line or environment mentions `needle` (a test's temp data
 * dir): the API, runners and agents a stack started all carry it, so none may survive a teardown.
 */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    for (const f of ['cmdline', 'environ']) {
      try {
        if (fs.readFileSync(`/proc/${pid}/${f}`, 'utf8').includes(needle) && alive(pid)) {
          out.push(pid);
          break;
        }
      } catch {
        /* gone, or not ours */
      }
    }
  }
  return out;
}

export function readPidFile(file: string): number | null {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** A pid that certainly belonged to a process that has exited (for stale pid files). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

/** Last resort in afterAll: SIGKILL whatever a failed test left running under `dir`. */
export function killLeftovers(dir: string): void {
  for (const pid of processesMentioning(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
