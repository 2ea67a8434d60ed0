import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AGENT_CLI_PINS,
  agentCliBins,
  agentCliDir,
  claudeArgs,
  claudeSimEnv,
  codexArgs,
  codexSimEnv,
  ensureAgentClis,
  isolatedBaseEnv,
  runAgentCli,
  startAgentSim,
  writeCodexSimHome,
  type AgentSim,
  type CliRun,
} from '@multyagents/control-plane/internal/agentsim/index.js';
import { resolveAgentCliCacheRoot } from '@multyagents/control-plane/internal/config/agentClis.js';
import { pct, skipped, type MetricResult, type Row } from '../report.js';
import { isModelCall, startForwarder, type Forwarder } from '../simForwarder.js';
import { summarize } from '../stats.js';

export interface B11Params {
  samples: number;
  warmup: number;
  runTimeoutMs: number;
  maxMs: number;
}

type Cli = 'claude' | 'codex';
const CLIS: Cli[] = ['claude', 'codex'];
const run = promisify(execFile);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Sample {
  to_first_model_request_ms: number;
  to_exit_ms: number;
  model_requests: number;
  refused_tunnels: number;
}

/** The pinned binaries if the cache has them answering their pinned versions; else why not. */
async function installedClis(cacheRoot: string): Promise<Record<Cli, string> | string> {
  const dir = agentCliDir(cacheRoot);
  if (!fs.existsSync(dir)) return `the pinned agent CLIs are not installed (${dir})`;
  const bins = agentCliBins(dir);
  for (const cli of CLIS) {
    const v = await run(bins[cli], ['--version'], { timeout: 30_000 }).then(
      (r) => r.stdout.trim(),
      (e: Error) => `failed: ${e.message.split('\n')[0]}`,
    );
    if (!v.includes(AGENT_CLI_PINS[cli].version))
      return `${cli} at ${bins[cli]} answered --version "${v}", expected ${AGENT_CLI_PINS[cli].version}`;
  }
  return bins;
}

/** One task of `cli`: fresh repo, HOME, TMPDIR (as the runner gives each attempt), a one-turn script. */
async function sample(
  cli: Cli,
  bin: string,
  i: number,
  root: string,
  sim: AgentSim,
  fwd: Forwarder,
  timeoutMs: number,
): Promise<Sample> {
  const dir = path.join(root, `${cli}-${i}`);
  const [repo, home, tmpdir, codexHome] = ['repo', 'home', 'tmp', 'codex'].map((d) => path.join(dir, d));
  for (const d of [repo, home, tmpdir]) fs.mkdirSync(d, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  const marker = `B11-${cli}-${i}-${Date.now()}`;
  sim.script(marker, { turns: [{ say: 'ok' }] });
  const prompt = `Answer with the word ok. ${marker}`;
  const base = isolatedBaseEnv(process.env);
  let env: Record<string, string>;
  let args: string[];
  if (cli === 'claude') {
    env = { ...base, ...claudeSimEnv({ home, tmpdir, baseUrl: fwd.url, proxy: sim.url }) };
    args = claudeArgs(prompt);
  } else {
    await writeCodexSimHome(codexHome, `${fwd.url}/v1`);
    env = { ...base, ...codexSimEnv({ home, tmpdir, codexHome, proxy: sim.url }) };
    args = codexArgs(prompt);
  }
  const seen = fwd.arrivals.length;
  const tunnels = sim.requests().filter((r) => r.method === 'CONNECT').length;
  const t0 = performance.now();
  const r: CliRun = await runAgentCli(bin, args, { cwd: repo, env, timeoutMs });
  const exitMs = performance.now() - t0;
  const calls = fwd.arrivals.slice(seen).filter(isModelCall);
  const answered = sim.requests(marker).some((x) => x.status === 200);
  if (r.code !== 0 || r.timedOut || !answered || calls.length === 0) {
    const why = `${cli} sample ${i}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}, ${calls.length} model calls`;
    throw new Error(`${why}: ${(r.stderr || r.stdout).slice(0, 400)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    to_first_model_request_ms: calls[0]!.t - t0,
    to_exit_ms: exitMs,
    model_requests: calls.length,
    refused_tunnels: sim.requests().filter((x) => x.method === 'CONNECT').length - tunnels,
  };
}

// codex (workspace-write) makes this fixed-name directory in /tmp whatever TMPDIR says.
const CODEX_DAEMON_DIR = path.join('/tmp', `codex-daemon-${process.getuid?.() ?? 0}`);

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir); // only if empty: a concurrent codex may be using it
  } catch {
    // absent, or in use
  }
}

export async function b11(p: B11Params, install: boolean): Promise<MetricResult> {
  const title = 'per-task overhead of the real agent CLIs';
  const cacheRoot = resolveAgentCliCacheRoot(process.env);
  let bins: Record<Cli, string>;
  if (install) {
    const c = await ensureAgentClis({ cacheRoot, log: say });
    bins = { claude: c.claude, codex: c.codex };
  } else {
    const found = await installedClis(cacheRoot);
    if (typeof found === 'string')
      return skipped('B11', title, `${found}; pass --install-agent-clis (≈ 800 MB, takes minutes)`);
    bins = found;
  }
  const daemonDirWasThere = fs.existsSync(CODEX_DAEMON_DIR);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-bench-b11-'));
  const sim = await startAgentSim({ fallback: { turns: [{ say: 'ok' }] } });
  const fwd = await startForwarder(sim.port);
  try {
    const got: Record<Cli, Sample[]> = { claude: [], codex: [] };
    let i = 0;
    for (let w = 0; w < p.warmup; w++)
      for (const cli of CLIS) await sample(cli, bins[cli], i++, root, sim, fwd, p.runTimeoutMs);
    const deadline = Date.now() + p.maxMs;
    for (let n = 0; n < p.samples && Date.now() < deadline; n++)
      for (const cli of CLIS)
        got[cli].push(await sample(cli, bins[cli], i++, root, sim, fwd, p.runTimeoutMs));
    return b11Result(got);
  } finally {
    await fwd.close();
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
    if (!daemonDirWasThere) removeIfEmpty(CODEX_DAEMON_DIR);
  }
}

function b11Result(got: Record<Cli, Sample[]>): MetricResult {
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  for (const cli of CLIS) {
    const xs = got[cli];
    const first = summarize(xs.map((x) => x.to_first_model_request_ms));
    const exit = summarize(xs.map((x) => x.to_exit_ms));
    const calls = summarize(xs.map((x) => x.model_requests));
    const tunnels = xs.reduce((a, x) => a + x.refused_tunnels, 0);
    const pin = `${AGENT_CLI_PINS[cli].version}`;
    rows.push(
      {
        id: 'B11',
        metric: `${cli} ${pin}: spawn → first model request`,
        value: pct(first, 0),
        ratio: '',
        goal: `${xs.length} one-turn tasks, scripted model on loopback`,
      },
      {
        id: 'B11',
        metric: `${cli} ${pin}: spawn → exit`,
        value: pct(exit, 0),
        ratio: '',
        goal: `model requests per task: p50 ${calls.p50}, max ${calls.max}; refused tunnels ${tunnels}`,
      },
    );
    data[cli] = { version: pin, to_first_model_request_ms: first, to_exit_ms: exit, model_requests: calls };
    data[`${cli}_samples`] = xs;
  }
  return { id: 'B11', title: 'per-task overhead of the real agent CLIs', status: 'ok', rows, data };
}
