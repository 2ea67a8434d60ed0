import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { cleanStale, stackComponents, telegramComponent, type Component } from '../components.js';
import { action } from '../errors.js';
import { envHelp } from '../helpText.js';
import { removeFile, stopPid, type StopResult } from '../procs.js';
import { readStack, resolveDataDir, resolveStackSettings } from '../stack.js';
import { parseSeconds } from '../validate.js';

export interface DownOptions {
  dataDir?: string;
  timeout?: string;
  kill?: boolean;
}

const say = (line: string) => process.stdout.write(`[down] ${line}\n`);

export function describeStop(c: Component, r: StopResult, timeoutS: number): string {
  const t = `${(r.ms / 1000).toFixed(1)}s`;
  if (r.how === 'already-gone') return `${c.name} (pid ${r.pid}) was already gone`;
  if (r.how === 'SIGKILL' && r.ms >= timeoutS * 1000) {
    return `killed ${c.name} (pid ${r.pid}) with SIGKILL: it did not stop within ${timeoutS}s of SIGTERM`;
  }
  return `stopped ${c.name} (pid ${r.pid}) with ${r.how} in ${t}`;
}

/** Stop one component and remove its pid file. */
export async function stopComponent(
  c: Component,
  timeoutS: number,
  kill: boolean,
  awaitReapMs = 0,
): Promise<string | null> {
  if (c.proc.state !== 'running') return null;
  const r = await stopPid(c.proc.pid, { timeoutMs: timeoutS * 1000, kill, awaitReapMs });
  removeFile(c.pidFile);
  c.proc = { state: 'absent' };
  return describeStop(c, r, timeoutS);
}

export async function down(opts: DownOptions, env: Env): Promise<number> {
  const timeoutS = parseSeconds('--timeout', opts.timeout, 20);
  const dataDir = resolveDataDir(opts.dataDir, env);
  const s = readStack(dataDir) ?? resolveStackSettings({ dataDir }, null, env);
  const comps = [...stackComponents(dataDir, s), telegramComponent(dataDir)];
  cleanStale(comps, say);
  const runners = comps.filter((c) => c.kind === 'runner' && c.proc.state === 'running');
  const api = comps.filter((c) => c.kind === 'api' && c.proc.state === 'running');
  const bridge = comps.filter((c) => c.kind === 'telegram' && c.proc.state === 'running');
  if (runners.length + api.length + bridge.length === 0) {
    say(`nothing was running in ${dataDir}`);
    return 0;
  }
  // The bridge first: it writes its state file on SIGTERM, and stopping the API under it only logs errors.
  const first = await Promise.all(bridge.map((c) => stopComponent(c, timeoutS, Boolean(opts.kill))));
  // Runners first: they drain and report to the API, which must still be up to take the reports.
  const lines = await Promise.all(runners.map((c) => stopComponent(c, timeoutS, Boolean(opts.kill))));
  for (const c of api) lines.push(await stopComponent(c, timeoutS, Boolean(opts.kill)));
  for (const l of [...first, ...lines]) if (l) say(l);
  say(`stack in ${dataDir} is down (settings kept in run/stack.json for the next \`up\`)`);
  return 0;
}

export function registerDownCommand(program: Command): void {
  program
    .command('down')
    .description('stop what `up` started: SIGTERM, then SIGKILL after a timeout; pid files removed')
    .option('--data-dir <dir>', 'data dir of the stack (default .multyagents)')
    .option('--timeout <seconds>', 'grace period before SIGKILL (default 20)')
    .option('--kill', 'SIGKILL at once (like kill -9) instead of a graceful stop')
    .addHelpText('after', envHelp(['MULTYAGENTS_DATA_DIR']))
    .action(action(async (opts: DownOptions) => down(opts, processEnv())));
}
