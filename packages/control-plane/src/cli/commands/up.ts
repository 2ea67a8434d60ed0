import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient } from '../client.js';
import { resolveTelegramConfig, TELEGRAM_ENV } from '../../config/telegram.js';
import { AppError } from '../../lib/errors.js';
import {
  cleanStale,
  stackComponents,
  telegramComponent,
  telegramWanted,
  type Component,
} from '../components.js';
import { action, CliError, EXIT } from '../errors.js';
import { envHelp } from '../helpText.js';
import {
  assertDataDirFree,
  assertExecutorAvailable,
  checkPortsFree,
  launchApi,
  launchRunner,
  launchTelegram,
} from '../launch.js';
import { removeFile, stopPid } from '../procs.js';
import {
  apiUrl,
  readStack,
  resolveDataDir,
  resolveStackSettings,
  stackPaths,
  writeStack,
  type StackSettings,
  type UpFlags,
} from '../stack.js';
import { parseSeconds } from '../validate.js';

export interface UpOptions extends UpFlags {
  timeout?: string;
}

const say = (line: string) => process.stdout.write(`[up] ${line}\n`);

/** Flags that differ from the settings of the stack that is already running (they cannot apply). */
export function ignoredFlags(flags: UpFlags, running: StackSettings, wanted: StackSettings): string[] {
  const pairs: Array<[keyof UpFlags, string, keyof StackSettings]> = [
    ['apiPort', '--api-port', 'api_port'],
    ['runnerPort', '--runner-port', 'runner_port'],
    ['runners', '--runners', 'runners'],
    ['dispatch', '--dispatch', 'dispatch'],
    ['runnerAuth', '--runner-auth', 'runner_auth'],
    ['executor', '--executor', 'executor'],
    ['projectRoots', '--project-roots', 'project_roots'],
  ];
  return pairs
    .filter(([flag, , key]) => flags[flag] !== undefined && wanted[key] !== running[key])
    .map(([, name, key]) => `${name} ${String(wanted[key])} (running: ${String(running[key])})`);
}

export async function up(opts: UpOptions, env: Env): Promise<number> {
  const timeoutMs = parseSeconds('--timeout', opts.timeout, 30) * 1000;
  const dataDir = resolveDataDir(opts.dataDir, env);
  const stored = readStack(dataDir);
  const wanted = resolveStackSettings(opts, stored, env);
  const before = stackComponents(dataDir, stored ?? wanted);
  cleanStale(before, say);
  const anyRunning = before.some((c) => c.proc.state === 'running');
  let s = wanted;
  if (anyRunning && stored) {
    const ignored = ignoredFlags(opts, stored, wanted);
    if (ignored.length) {
      say(
        `the stack is running: ignoring ${ignored.join(', ')} — run \`multyagents down\` first to change it`,
      );
    }
    s = stored;
  }
  const comps = stackComponents(dataDir, s);
  const bridge = telegramComponent(dataDir);
  cleanStale([bridge], say);
  if (bridge.proc.state === 'running' || telegramWanted(env)) comps.push(bridge);
  const missing = comps.filter(
    (c) => c.proc.state !== 'running' && (c.kind === 'api' || c.kind === 'telegram' || c.index <= s.runners),
  );
  if (missing.length === 0) {
    say(`already running (nothing started)`);
    printSummary(s, comps, new Set());
    return 0;
  }
  const apiMissing = missing.some((c) => c.kind === 'api');
  const runnersMissing = missing.filter((c) => c.kind === 'runner').map((c) => c.index);
  // Every check before the first spawn, so that a refusal leaves nothing running.
  if (runnersMissing.length) assertExecutorAvailable(s.executor, env);
  if (apiMissing) await assertDataDirFree(dataDir);
  if (missing.includes(bridge)) assertTelegramConfig(dataDir, env);
  await checkPortsFree(s, apiMissing, runnersMissing);
  const p = stackPaths(dataDir);
  fs.mkdirSync(p.logsDir, { recursive: true, mode: 0o700 });
  writeStack(s);

  const startedNow: Component[] = [];
  try {
    for (const c of missing) {
      if (c.kind === 'api') {
        say(
          `starting API on ${s.host}:${s.api_port} (dispatch ${s.dispatch}, runner auth ${s.runner_auth})...`,
        );
        const r = await launchApi(s, env, timeoutMs);
        c.proc = { state: 'running', pid: r.pid };
        startedNow.push(c);
        say(`API healthy at ${r.url} (pid ${r.pid}, ${(r.ms / 1000).toFixed(1)}s)`);
      } else if (c.kind === 'telegram') {
        say('starting the Telegram bridge (MULTYAGENTS_TELEGRAM_BOT_TOKEN is set)...');
        const r = await launchTelegram(s, env, timeoutMs);
        c.proc = { state: 'running', pid: r.pid };
        startedNow.push(c);
        say(`Telegram bridge following the event stream (pid ${r.pid}, ${(r.ms / 1000).toFixed(1)}s)`);
      } else {
        say(`starting ${c.name} on ${s.host}:${c.port} (executor ${s.executor})...`);
        const r = await launchRunner(s, c.index, env, operatorClient(apiUrl(s), env), timeoutMs);
        c.proc = { state: 'running', pid: r.pid };
        startedNow.push(c);
        say(`${c.name} healthy and registered at ${r.url} (pid ${r.pid}, ${(r.ms / 1000).toFixed(1)}s)`);
      }
    }
  } catch (err) {
    // Leave nothing half-started: stop what this invocation started, newest first.
    for (const c of startedNow.reverse()) {
      if (c.proc.state !== 'running') continue;
      say(`stopping ${c.name} (pid ${c.proc.pid}) after the failure`);
      await stopPid(c.proc.pid, { timeoutMs: 10_000 });
      removeFile(c.pidFile);
    }
    throw err;
  }
  printSummary(s, comps, new Set(startedNow.map((c) => c.name)));
  return 0;
}

function printSummary(s: StackSettings, comps: Component[], startedNow: Set<string>): void {
  const rows = comps.filter((c) => c.proc.state === 'running');
  const lines = ['', 'multyagents is up'];
  for (const c of rows) {
    const pid = c.proc.state === 'running' ? c.proc.pid : '-';
    const how = startedNow.has(c.name) ? 'started' : 'already running';
    const where = c.kind === 'telegram' ? 'notifications, commands' : c.url;
    lines.push(`  ${c.name.padEnd(10)} ${where.padEnd(24)} pid ${String(pid).padEnd(8)} ${how}`);
  }
  const logs = rows.map((c) => path.basename(c.logFile)).join(', ');
  lines.push(`  ${'data dir'.padEnd(10)} ${s.data_dir}`);
  lines.push(`  ${'logs'.padEnd(10)} ${stackPaths(s.data_dir).logsDir}/{${logs}}`);
  lines.push(
    `  ${'settings'.padEnd(10)} dispatch ${s.dispatch} · runner auth ${s.runner_auth} · executor ${s.executor}`,
  );
  lines.push('', 'next: multyagents run examples/two-step.json | status | logs -f | down');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The bridge's settings, checked before anything starts (a refusal leaves nothing running). */
function assertTelegramConfig(dataDir: string, env: Env): void {
  try {
    resolveTelegramConfig(dataDir, env);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    throw new CliError('CONFIG_INVALID', `the Telegram bridge: ${err.message}`, {
      hint: 'fix the MULTYAGENTS_TELEGRAM_* settings (docs/telegram.md), or unset MULTYAGENTS_TELEGRAM_BOT_TOKEN',
      exitCode: EXIT.usage,
    });
  }
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the API and N runners in the background, wait until healthy (idempotent)')
    .option('--data-dir <dir>', 'data dir: store, pid files, logs (default .multyagents)')
    .option('--api-port <port>', 'API port (default 48000)')
    .option('--runner-port <port>', 'port of runner-1; runner i gets port+i-1 (default 48070)')
    .option('--runners <n>', 'number of runners (default 1)')
    .option('--dispatch <mode>', 'auto | manual, passed to the API (default auto)')
    .option('--runner-auth <on|off>', 'require the runner token on runner endpoints (default on)')
    .option('--executor <name>', 'mock | command | codex | claude (default mock)')
    .option('--timeout <seconds>', 'wait this long for each component to become healthy (default 30)')
    .option(
      '--project-roots <dirs>',
      "colon-separated directories project roots must be inside, passed to the API (default: home and the data dir's parent)",
    )
    .addHelpText(
      'after',
      `\nSettings not given are taken from <data-dir>/run/stack.json (the last \`up\`), else the defaults.\nWith MULTYAGENTS_TELEGRAM_BOT_TOKEN set, \`up\` also starts the Telegram bridge (docs/telegram.md).\n${envHelp(
        [
          'MULTYAGENTS_DATA_DIR',
          'MULTYAGENTS_OPERATOR_TOKEN',
          'MULTYAGENTS_CODEX_BIN',
          'MULTYAGENTS_CLAUDE_BIN',
          'PATH',
          ...TELEGRAM_ENV,
        ],
      )}The API, runners and bridge inherit the environment (see docs/cli.md).\n`,
    )
    .action(action(async (opts: UpOptions) => up(opts, processEnv())));
}
