#!/usr/bin/env node
/**
 * CPU time of the host runner per no-op task, measured from outside: a runner process (the compiled
 * `multyagents runner` of one or more checkouts) against a stub API on loopback, fed in-process no-op
 * mock attempts through `POST /tasks/submit-batch` at a fixed rate (open loop: the batches it sees do not
 * depend on its own speed), the stub answering reports after a small delay as a loaded API does. The
 * figure is the runner process's utime+stime from /proc/<pid>/stat over the measured tasks (after a
 * warm-up), so it depends far less than wall time on how busy the machine is; wall time, report requests
 * per task and `running` reports received are printed alongside.
 *
 * RUNNER_CPU_NODE_ARGS passes node flags to the runner (e.g. --perf-basic-prof, --cpu-prof);
 * RUNNER_CPU_PID_FILE gets the runner's pid (to attach perf).
 *
 * Usage (build each checkout first: tsc -b + scripts/bundle.mjs):
 *   node packages/bench/scripts/runner-cpu.mjs [--tasks 20000] [--warmup 3000] [--rate 2000]
 *     [--batch 16] [--api-delay-ms 2] [--rounds 3] [--checkout /tmp/base-runner --checkout /work/main]
 * Checkouts are measured alternately, round by round (old, new, old, new, ...), to spread the noise.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = 'runner-cpu-harness-token-0123456789';

function parseArgs(argv) {
  const o = { tasks: 20_000, warmup: 3_000, rate: 2000, batch: 16, apiDelayMs: 2, rounds: 3, checkouts: [] };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (a === '--checkout') o.checkouts.push(path.resolve(v));
    else if (['--tasks', '--warmup', '--rate', '--batch', '--rounds'].includes(a)) o[a.slice(2)] = Number(v);
    else if (a === '--api-delay-ms') o.apiDelayMs = Number(v);
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.checkouts.length === 0) o.checkouts.push(path.resolve(HERE, '../../..'));
  return o;
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux
/** utime and stime of a process (fields 14 and 15 of /proc/<pid>/stat), in ms. */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) * TICK_MS, sys: Number(f[12]) * TICK_MS };
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** The API side: registration, heartbeats, reports (single and batched); counts what arrives. */
function stubApi(onTerminal, delayMs) {
  const stats = { reportRequests: 0, reports: 0, running: 0, terminal: 0, other: 0 };
  const server = http.createServer(async (req, res) => {
    const text = await readBody(req);
    const send = (body) => {
      const out = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    };
    const url = req.url ?? '/';
    if (url === '/runners/register') return send({ id: 1, heartbeat_interval_ms: 1000 });
    if (/^\/runners\/\d+\/heartbeat$/.test(url)) return send({ cancel: [] });
    const one = /^\/runner\/tasks\/(\d+)\/status$/.exec(url);
    if (url === '/runner/reports' || one) {
      const body = JSON.parse(text);
      const list = one ? [{ ...body, task_id: Number(one[1]) }] : body.reports;
      stats.reportRequests++;
      stats.reports += list.length;
      for (const r of list) {
        if (r.status === 'running') stats.running++;
        else {
          stats.terminal++;
          onTerminal(r);
        }
      }
      const answer = one ? { ok: true } : { results: list.map(() => ({ status_code: 200, ok: true })) };
      return delayMs > 0 ? setTimeout(() => send(answer), delayMs) : send(answer);
    }
    stats.other++;
    send({ ok: true });
  });
  return { server, stats };
}

function submitBody(taskId, apiUrl) {
  return {
    task_id: taskId,
    run_id: Math.ceil(taskId / 2),
    attempt: 1,
    prompt: `Step ${taskId % 2 ? 'A' : 'B'} of a benchmark run: do nothing and report success. `.repeat(4),
    title: 'noop',
    role: { id: 1, name: 'bench' },
    execution_mode: 'no-workspace',
    timeout_seconds: 600,
    status_callback_url: `${apiUrl}/runner/tasks/${taskId}/status`,
    log_callback_url: `${apiUrl}/runner/tasks/${taskId}/logs`,
    status_callback_token: TOKEN,
    workspace: { project_id: 1, root_path: null },
    sandbox: null,
    executor_params: { mock: { duration_ms: 0, exit_code: 0, inprocess: true } },
  };
}

async function measure(checkout, o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-cpu-'));
  let nextId = 1;
  let done = 0;
  let runnerUrl = '';
  let finished = () => undefined;
  const target = o.warmup + o.tasks;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const post = (p, body) =>
    new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = http.request(`${runnerUrl}${p}`, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-runner-token': TOKEN },
      });
      req.on('response', (res) => readBody(res).then((t) => resolve({ status: res.statusCode, text: t })));
      req.on('error', reject);
      req.end(text);
    });
  // Open loop at a fixed rate, like a dispatcher sending what became dispatchable every few ms: the
  // batches the runner sees do not depend on how fast the runner under test is.
  const tick = () => {
    const list = [];
    while (list.length < o.batch && nextId <= target) list.push(submitBody(nextId++, apiUrl));
    if (list.length === 0) return;
    void post('/tasks/submit-batch', { submits: list }).then((r) => {
      const bad = r.status === 200 ? JSON.parse(r.text).results.find((x) => x.status_code !== 200) : r;
      if (bad) throw new Error(`submit-batch refused: ${r.text.slice(0, 500)}`);
    });
  };
  let marks = null;
  const { server, stats } = stubApi(() => {
    done++;
    if (done === o.warmup) marks = { cpu: cpuMs(child.pid), t: performance.now(), stats: { ...stats } };
    if (done === target) finished();
  }, o.apiDelayMs);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${server.address().port}`;
  const port = await new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  runnerUrl = `http://127.0.0.1:${port}`;
  const bin = path.join(checkout, 'packages/control-plane/dist/bin/multyagents.js');
  const args = ['runner', '--port', String(port), '--host', '127.0.0.1', '--api', apiUrl];
  args.push('--data-dir', path.join(dir, 'runner'), '--executor', 'mock', '--capacity', '1000');
  args.push('--name', 'cpu', '--ledger', path.join(dir, 'effects.jsonl'));
  args.push('--log-file', path.join(dir, 'runner.log'));
  // e.g. RUNNER_CPU_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the runner.
  const nodeArgs = (process.env.RUNNER_CPU_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, MULTYAGENTS_RUNNER_TOKEN: TOKEN };
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (process.env.RUNNER_CPU_PID_FILE) fs.writeFileSync(process.env.RUNNER_CPU_PID_FILE, String(child.pid));
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${runnerUrl}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (i > 300) throw new Error(`runner of ${checkout} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const all = new Promise((r) => (finished = r));
    const feeder = setInterval(tick, (1000 * o.batch) / o.rate);
    await all;
    clearInterval(feeder);
    const end = cpuMs(child.pid);
    const user = end.user - marks.cpu.user;
    const sys = end.sys - marks.cpu.sys;
    const cpu = user + sys;
    const wall = performance.now() - marks.t;
    const req = stats.reportRequests - marks.stats.reportRequests;
    const running = stats.running - marks.stats.running;
    return {
      cpuPerTask: cpu / o.tasks,
      sysShare: sys / cpu,
      wallPerTask: wall / o.tasks,
      reqPerTask: req / o.tasks,
      running,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    agent.destroy();
    server.close();
    server.closeAllConnections();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const o = parseArgs(process.argv);
const results = new Map(o.checkouts.map((c) => [c, []]));
console.log(
  `tasks ${o.tasks} (after ${o.warmup} warm-up) at ${o.rate}/s in submit batches of ${o.batch}, ` +
    `API answering reports after ${o.apiDelayMs} ms, ${o.rounds} rounds`,
);
for (let round = 1; round <= o.rounds; round++) {
  for (const c of o.checkouts) {
    const r = await measure(c, o);
    results.get(c).push(r);
    console.log(
      `round ${round} ${c}: ${r.cpuPerTask.toFixed(3)} ms CPU/task (${Math.round(r.sysShare * 100)} % sys), ${r.wallPerTask.toFixed(3)} ms wall/task, ` +
        `${r.reqPerTask.toFixed(3)} report requests/task, ${r.running} running reports`,
    );
  }
}
for (const [c, list] of results) {
  const cpu = list.map((r) => r.cpuPerTask).sort((a, b) => a - b);
  console.log(
    `${c}: median ${cpu[Math.floor(cpu.length / 2)].toFixed(3)} ms CPU/task (min ${cpu[0].toFixed(3)})`,
  );
}
