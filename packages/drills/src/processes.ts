/**
 * Child processes of the harness: `node <our bin> api|runner ...`, each detached into its own process
 * group (a terminal's Ctrl-C reaches only the harness, which then rolls back in order), its stdout and
 * stderr appended to a log file in the evidence folder, and registered (pid + start time) so that a
 * crashed harness's leftovers can be swept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliBin } from './product.js';
import { isAlive, signal, startTimeOf, waitUntil } from './procinfo.js';
import type { HarnessRegistry } from './registry.js';

export type Env = Record<string, string | undefined>;

/** The environment of our children: the caller's, minus every MULTYAGENTS_* knob (no leaking into a user's stack), plus ours. */
export function childEnv(base: Env, ours: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !k.startsWith('MULTYAGENTS_')) out[k] = v;
  return { ...out, ...ours };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly pid: number;
  readonly startedAt: number;
  exit: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  paused = false;

  private constructor(
    readonly name: string,
    readonly role: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
    private readonly registry: HarnessRegistry | null,
  ) {
    this.pid = child.pid!;
    this.startedAt = Date.now();
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, sig) => {
        this.exit = { code, signal: sig };
        this.registry?.remove(this.pid);
        resolve(this.exit);
      });
    });
  }

  static spawn(opts: {
    name: string;
    role: 'api' | 'runner';
    args: string[];
    env: Record<string, string>;
    logFile: string;
    registry: HarnessRegistry | null;
  }): ManagedProcess {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const fd = fs.openSync(opts.logFile, 'a', 0o600);
    fs.writeSync(
      fd,
      `\n[chaos] ${new Date().toISOString()} start ${opts.name}: multyagents ${opts.args.join(' ')}\n`,
    );
    try {
      const child = spawn(process.execPath, [cliBin(), opts.role, ...opts.args], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: opts.env,
      });
      if (child.pid === undefined) throw new Error(`could not start ${opts.name}`);
      child.unref();
      opts.registry?.add({
        pid: child.pid,
        start_time: startTimeOf(child.pid),
        role: opts.role,
        name: opts.name,
      });
      return new ManagedProcess(opts.name, opts.role, child, opts.logFile, opts.registry);
    } finally {
      fs.closeSync(fd);
    }
  }

  get running(): boolean {
    return this.exit === null && isAlive(this.pid);
  }

  /** Send a signal; true if it was delivered to a live process. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.exit !== null) return false;
    if (sig === 'SIGSTOP') this.paused = true;
    if (sig === 'SIGCONT') this.paused = false;
    return signal(this.pid, sig);
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    if (this.exit !== null) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(this.exit !== null), timeoutMs)));
    return Promise.race([this.exited.then(() => true), late]).finally(() => clearTimeout(timer));
  }

  /** kill -9 and wait until the kernel confirms it is gone. */
  async kill9(): Promise<ExitInfo | null> {
    this.signal('SIGKILL');
    await this.waitExit(5000);
    return this.exit;
  }

  /** SIGTERM, then SIGKILL after the grace; a paused process is continued first so it can obey. */
  async stop(graceMs: number): Promise<'SIGTERM' | 'SIGKILL' | 'already-gone'> {
    if (this.exit !== null) return 'already-gone';
    if (this.paused) this.signal('SIGCONT');
    if (!this.signal('SIGTERM')) return 'already-gone';
    if (await this.waitExit(graceMs)) return 'SIGTERM';
    this.signal('SIGKILL');
    // The whole group: nothing it spawned may outlive the harness.
    signal(-this.pid, 'SIGKILL');
    await this.waitExit(5000);
    return 'SIGKILL';
  }

  /** Last resort in rollback: the process group at once. */
  killGroup(): void {
    signal(-this.pid, 'SIGCONT');
    signal(-this.pid, 'SIGKILL');
  }

  logTail(bytes = 4000): string {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8');
      return text.slice(-bytes);
    } catch {
      return '';
    }
  }
}

export { waitUntil };
