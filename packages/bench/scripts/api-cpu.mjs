#!/usr/bin/env node
/**
 * CPU the API process spends per two-step run (A → B), read from /proc/<pid>/stat (user + system),
 * so the figure hardly depends on what else the machine is doing. The runner is a stub in this
 * process: it accepts submits and reports success right away, in batches (`POST /runner/reports`),
 * like a real runner running no-op tasks. The load is closed-loop with `--window` runs in flight.
 *
 *   node packages/bench/scripts/api-cpu.mjs [--runs 3000] [--window 64] [--root DIR] [--repeat 1] [--prof DIR]
 *
 * `--root` points at another checkout (e.g. a git worktree of an older commit, built) to compare
 * side by side; several `--root` may be given and are measured alternately.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const roots = [];
args.forEach((a, i) => a === '--root' && roots.push(path.resolve(args[i + 1])));
if (!roots.length) roots.push(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'));
const RUNS = Number(opt('runs', 3000));
const WINDOW = Number(opt('window', 64));
const REPEAT = Number(opt('repeat', 1));
/** `--creates-only`: no runner; one client creates runs (closed loop), which stay queued. */
const CREATES_ONLY = args.includes('--creates-only');
/** `--prof DIR`: the API writes a V8 CPU profile there when it stops. */
const PROF = opt('prof', null);

const ticks = 100;
function cpuMs(pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(f[11]) * 1000) / ticks, sys: (Number(f[12]) * 1000) / ticks };
}

async function measure(root) {
  // A checkout from before the tooling left the product package has the benchmark in control-plane.
  const dist = ['packages/bench/dist', 'packages/control-plane/dist/bench']
    .map((d) => path.join(root, d))
    .find((d) => fs.existsSync(d));
  const bench = (m) => import(pathToFileURL(path.join(dist, m)).href);
  const { BenchStack } = await bench('stack.js');
  const { BenchClient } = await bench('http.js');
  const { createTemplates } = await bench('workloads.js');
  const stack = new BenchStack({
    label: 'api-cpu',
    nodeArgs: [
      ...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : []),
      ...(process.env.API_CPU_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
  });
  try {
    await stack.startApi();
    const tpl = await createTemplates(stack.client, 2);
    const { runWorker } = await bench('workers.js');
    if (CREATES_ONLY) {
      await runWorker('closed-loop', { url: stack.apiUrl, templateId: tpl.twoStep, count: 300 });
      const c0 = cpuMs(stack.api.pid);
      const samples = await runWorker('closed-loop', {
        url: stack.apiUrl,
        templateId: tpl.twoStep,
        count: RUNS,
      });
      const c1 = cpuMs(stack.api.pid);
      const lat = samples.map((x) => x.done - x.sent).sort((a, b) => a - b);
      const n = samples.filter((x) => x.status === 200).length;
      return {
        root,
        creates: n,
        api_cpu_ms_per_create: +((c1.user - c0.user + c1.sys - c0.sys) / n).toFixed(3),
        sys_ms_per_create: +((c1.sys - c0.sys) / n).toFixed(3),
        latency_p50_ms: +lat[Math.floor(lat.length / 2)].toFixed(3),
      };
    }
    const runner = new BenchClient(stack.apiUrl, {
      connections: 8,
      headers: { 'x-runner-token': stack.token() },
    });
    let pending = [];
    let sending = false;
    const flush = async () => {
      if (sending || !pending.length) return;
      sending = true;
      const list = pending.splice(0, 500);
      const now = new Date().toISOString();
      await runner
        .call('POST', '/runner/reports', {
          reports: list.map((s) => ({
            task_id: s.task_id,
            attempt: s.attempt,
            status: 'success',
            exit_code: 0,
            started_at: now,
            finished_at: now,
            runner_id: runnerId,
          })),
        })
        .catch((e) => console.error('report failed', e.message));
      sending = false;
      if (pending.length) void flush();
    };
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const send = (status, body) => {
          const text = JSON.stringify(body);
          res.writeHead(status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
        };
        if (req.method === 'POST' && (req.url === '/tasks/submit-batch' || req.url === '/tasks/submit')) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const list = body.submits ?? [body];
          if (body.submits)
            send(200, { results: list.map(() => ({ status_code: 200, status: 'queued', message: 'ok' })) });
          else send(200, { status: 'queued', message: 'ok' });
          pending.push(...list);
          setImmediate(() => void flush());
          return;
        }
        if (req.method === 'GET' && req.url === '/tasks') return send(200, { attempts: [] });
        if (req.url === '/health') return send(200, { status: 'ok' });
        send(404, { detail: 'no', code: 'ATTEMPT_NOT_FOUND' });
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const reg = await runner.post('/runners/register', {
      name: 'api-cpu-stub',
      url: `http://127.0.0.1:${server.address().port}`,
      capacity: 1000,
      executor: 'mock',
      attempts: [],
    });
    const runnerId = reg.id;
    // Heartbeats and batched reports need the stub's own credential (the shared token registers it).
    if (reg.credential) runner.setHeader('x-runner-credential', reg.credential);
    const beat = setInterval(
      () =>
        void runner
          .call('POST', `/runners/${runnerId}/heartbeat`, { attempts: [], free_slots: 1000 })
          .catch(() => undefined),
      500,
    );
    // Warm up, then measure.
    await runWorker('throughput', {
      url: stack.apiUrl,
      templateId: tpl.twoStep,
      runs: 300,
      window: WINDOW,
      pollMs: 20,
      createForMs: 60000,
      timeoutMs: 120000,
    });
    const c0 = cpuMs(stack.api.pid);
    const t0 = performance.now();
    const r = await runWorker('throughput', {
      url: stack.apiUrl,
      templateId: tpl.twoStep,
      runs: RUNS,
      window: WINDOW,
      pollMs: 20,
      createForMs: 600000,
      timeoutMs: 600000,
    });
    const wall = performance.now() - t0;
    const c1 = cpuMs(stack.api.pid);
    clearInterval(beat);
    server.close();
    server.closeAllConnections();
    await runner.close();
    const user = c1.user - c0.user;
    const sys = c1.sys - c0.sys;
    return {
      root,
      runs: r.succeeded,
      api_cpu_ms_per_run: +((user + sys) / r.succeeded).toFixed(3),
      user_ms_per_run: +(user / r.succeeded).toFixed(3),
      sys_ms_per_run: +(sys / r.succeeded).toFixed(3),
      runs_per_s: +((r.succeeded / wall) * 1000).toFixed(1),
    };
  } finally {
    await stack.dispose();
  }
}

for (let i = 0; i < REPEAT; i++) {
  for (const root of roots) console.log(JSON.stringify(await measure(root)));
}
