import { pidState, removeFile, type PidState } from './procs.js';
import {
  apiUrl,
  runnerIndexes,
  runnerName,
  runnerPort,
  runnerUrl,
  stackPaths,
  type StackSettings,
} from './stack.js';

/** One process of a stack as the launcher sees it on disk. */
export interface Component {
  kind: 'api' | 'runner' | 'telegram';
  /** 0 for the API, i for runner-i. */
  index: number;
  name: string;
  pidFile: string;
  logFile: string;
  port: number;
  url: string;
  proc: PidState;
}

export function stackComponents(dataDir: string, s: StackSettings): Component[] {
  const p = stackPaths(dataDir);
  const out: Component[] = [
    {
      kind: 'api',
      index: 0,
      name: 'api',
      pidFile: p.apiPid,
      logFile: p.apiLog,
      port: s.api_port,
      url: apiUrl(s),
      proc: pidState(p.apiPid, 'api'),
    },
  ];
  for (const i of runnerIndexes(dataDir, s)) {
    out.push({
      kind: 'runner',
      index: i,
      name: runnerName(i),
      pidFile: p.runnerPid(i),
      logFile: p.runnerLog(i),
      port: runnerPort(s, i),
      url: runnerUrl(s, i),
      proc: pidState(p.runnerPid(i), 'runner'),
    });
  }
  return out;
}

/**
 * The Telegram bridge (`multyagents telegram` started by `up` when MULTYAGENTS_TELEGRAM_BOT_TOKEN is set).
 * Not one of stackComponents: it has no port and no health URL, and a stack without it is whole.
 */
export function telegramComponent(dataDir: string): Component {
  const p = stackPaths(dataDir);
  return {
    kind: 'telegram',
    index: 0,
    name: 'telegram',
    pidFile: p.telegramPid,
    logFile: p.telegramLog,
    port: 0,
    url: '',
    proc: pidState(p.telegramPid, 'telegram'),
  };
}

/** `up` starts the bridge when the bot token is in its environment (docs/telegram.md). */
export function telegramWanted(env: Record<string, string | undefined>): boolean {
  return Boolean(env.MULTYAGENTS_TELEGRAM_BOT_TOKEN?.trim());
}

/**
 * A pid file whose process is gone was left by a crash (or kill -9, or a reboot): say so, remove it,
 * and treat the component as stopped.
 */
export function cleanStale(components: Component[], say: (line: string) => void): void {
  for (const c of components) {
    if (c.proc.state !== 'stale') continue;
    say(`stale pid file ${c.pidFile}: ${c.proc.reason} (left by a crash or kill -9) — removed`);
    removeFile(c.pidFile);
    c.proc = { state: 'absent' };
  }
}
