import type { Command } from 'commander';
import { RUN_STATUSES } from '@multyagents/contracts';
import { processEnv, type Env } from '../../config/env.js';
import { operatorClient } from '../client.js';
import { stackComponents, telegramComponent, type Component } from '../components.js';
import { action } from '../errors.js';
import { envHelp } from '../helpText.js';
import { HttpError, probeHealth } from '../http.js';
import { listRunners, type RunnerInfo } from '../launch.js';
import { apiUrl, readStack, resolveDataDir, stackPaths, type StackSettings } from '../stack.js';

export interface ComponentStatus {
  name: string;
  kind: Component['kind'];
  index: number;
  process: 'running' | 'stale' | 'absent';
  pid: number | null;
  stale_reason?: string;
  port: number;
  url: string;
  healthy: boolean;
  health: Record<string, unknown> | null;
  log: string;
  /** Runners only: the API's view (GET /runners), matched by name. */
  registration?: RunnerInfo | null;
}

export interface StackStatus {
  data_dir: string;
  stack_file: string;
  state: 'running' | 'degraded' | 'stopped' | 'no-stack';
  settings: StackSettings | null;
  api: ComponentStatus | null;
  runners: ComponentStatus[];
  registered_runners: RunnerInfo[] | null;
  /** The Telegram bridge `up` started (null: none; a stale pid file shows as `stale`). */
  telegram: { process: 'running' | 'stale'; pid: number; log: string; stale_reason?: string } | null;
  /**
   * Runs by status: `GET /workflow-runs/counts` (every run, one GROUP BY). From an API without it, the
   * newest RUNS_LIMIT runs listed and counted here (`capped` when there may be more).
   */
  runs: { total: number; by_status: Record<string, number>; capped: boolean } | null;
  errors: string[];
}

async function componentStatus(c: Component): Promise<ComponentStatus> {
  const health = c.proc.state === 'running' ? await probeHealth(c.url) : null;
  return {
    name: c.name,
    kind: c.kind,
    index: c.index,
    process: c.proc.state,
    pid: c.proc.state === 'absent' ? null : c.proc.pid,
    ...(c.proc.state === 'stale' ? { stale_reason: c.proc.reason } : {}),
    port: c.port,
    url: c.url,
    healthy: health !== null,
    health,
    log: c.logFile,
  };
}

const RUNS_LIMIT = 10_000;

export function countRuns(
  runs: Array<{ status: string }>,
  limit = RUNS_LIMIT,
): NonNullable<StackStatus['runs']> {
  const by: Record<string, number> = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0]));
  for (const r of runs) by[r.status] = (by[r.status] ?? 0) + 1;
  return { total: runs.length, by_status: by, capped: runs.length >= limit };
}

async function runCounts(api: ReturnType<typeof operatorClient>): Promise<NonNullable<StackStatus['runs']>> {
  try {
    const c = await api.get<{ total: number; by_status: Record<string, number> }>(
      '/workflow-runs/counts',
      10_000,
    );
    const by: Record<string, number> = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0]));
    return { total: c.total, by_status: { ...by, ...c.by_status }, capped: false };
  } catch (err) {
    // An API from before the counts endpoint answers 404 or 422 (`counts` read as a run id).
    if (!(err instanceof HttpError) || (err.status !== 404 && err.status !== 422)) throw err;
    return countRuns(await api.get<Array<{ status: string }>>(`/workflow-runs?limit=${RUNS_LIMIT}`, 10_000));
  }
}

export async function collectStatus(dataDirFlag: string | undefined, env: Env): Promise<StackStatus> {
  const dataDir = resolveDataDir(dataDirFlag, env);
  const s = readStack(dataDir);
  const out: StackStatus = {
    data_dir: dataDir,
    stack_file: stackPaths(dataDir).stackFile,
    state: 'no-stack',
    settings: s,
    api: null,
    runners: [],
    registered_runners: null,
    telegram: null,
    runs: null,
    errors: [],
  };
  if (!s) return out;
  const bridge = telegramComponent(dataDir);
  if (bridge.proc.state !== 'absent')
    out.telegram = {
      process: bridge.proc.state,
      pid: bridge.proc.pid,
      log: bridge.logFile,
      ...(bridge.proc.state === 'stale' ? { stale_reason: bridge.proc.reason } : {}),
    };
  const comps = await Promise.all(stackComponents(dataDir, s).map(componentStatus));
  out.api = comps[0];
  out.runners = comps.slice(1);
  if (out.api.healthy) {
    const api = operatorClient(apiUrl(s), env);
    try {
      out.registered_runners = await listRunners(api);
    } catch (err) {
      out.errors.push(`GET /runners: ${(err as Error).message}`);
    }
    try {
      out.runs = await runCounts(api);
    } catch (err) {
      out.errors.push(`GET /workflow-runs: ${(err as Error).message}`);
    }
  }
  for (const r of out.runners) {
    r.registration = out.registered_runners?.find((x) => x.name === r.name) ?? null;
  }
  const wanted = comps.filter((c) => c.index <= s.runners);
  const up = wanted.filter((c) => c.process === 'running' && c.healthy);
  out.state =
    up.length === wanted.length
      ? 'running'
      : comps.some((c) => c.process === 'running')
        ? 'degraded'
        : 'stopped';
  return out;
}

function ago(ts: unknown): string {
  const t = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? `, seen ${((Date.now() - t) / 1000).toFixed(1)}s ago` : '';
}

export function formatStatus(st: StackStatus): string {
  if (!st.settings) return `no stack in ${st.data_dir} (start one with \`multyagents up\`)\n`;
  const lines = [`stack  ${st.data_dir}  ${st.state}`];
  for (const c of [st.api!, ...st.runners]) {
    const proc =
      c.process === 'running'
        ? `pid ${c.pid} running`
        : c.process === 'stale'
          ? `stale pid file (${c.stale_reason}; \`up\` or \`down\` cleans it)`
          : 'not running';
    let line = `  ${c.name.padEnd(10)} ${proc.padEnd(18)} ${c.url}  health ${c.healthy ? 'ok' : '-'}`;
    if (c.kind === 'runner') {
      const r = c.registration;
      line += r
        ? `  liveness ${r.liveness}${r.draining && r.liveness === 'online' ? ' (draining)' : ''}${ago(r.last_seen_at)}`
        : st.registered_runners
          ? '  not registered'
          : '  liveness unknown (API down)';
      const h = c.health as { running?: number; capacity?: number; executor?: string } | null;
      if (h) line += `  running ${h.running ?? '?'}/${h.capacity ?? '?'} (${h.executor ?? '?'})`;
    }
    lines.push(line);
  }
  if (st.telegram) {
    const t = st.telegram;
    lines.push(
      `  ${'telegram'.padEnd(10)} ${t.process === 'running' ? `pid ${t.pid} running` : `stale pid file (${t.stale_reason})`}`,
    );
  }
  const others = (st.registered_runners ?? []).filter((r) => !st.runners.some((c) => c.name === r.name));
  for (const r of others) lines.push(`  ${r.name.padEnd(10)} (other host) ${r.url}  liveness ${r.liveness}`);
  if (st.runs) {
    const parts = Object.entries(st.runs.by_status)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`);
    const total = `${st.runs.total}${st.runs.capped ? '+ (newest counted)' : ''}`;
    lines.push(`runs   ${total} total${parts.length ? `: ${parts.join(', ')}` : ''}`);
  }
  lines.push(`logs   ${stackPaths(st.data_dir).logsDir}`);
  for (const e of st.errors) lines.push(`note   ${e}`);
  return `${lines.join('\n')}\n`;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('processes (pids, stale pid files), health, ports, runner liveness, runs by status')
    .option('--data-dir <dir>', 'data dir of the stack (default .multyagents)')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `\nExit code 0 when every component of the stack runs and is healthy, 1 otherwise.${envHelp([
        'MULTYAGENTS_DATA_DIR',
        'MULTYAGENTS_OPERATOR_TOKEN',
      ])}`,
    )
    .action(
      action(async (opts: { dataDir?: string; json?: boolean }) => {
        const st = await collectStatus(opts.dataDir, processEnv());
        process.stdout.write(opts.json ? `${JSON.stringify(st, null, 2)}\n` : formatStatus(st));
        return st.state === 'running' ? 0 : 1;
      }),
    );
}
