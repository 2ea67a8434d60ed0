#!/usr/bin/env node
/**
 * The live event stream under fan-out, alone: a thin wrapper of B13 (`src/stream/fanout.ts`; in the
 * table with `multyagents bench --only B13`). Starts an API (no runner), creates events at a fixed
 * rate with 0, 1 and N stream clients connected (held by a forked process), and prints one JSON line:
 * commit → event received p50/p99/max per case, deliveries missing/duplicated/out of order, and the
 * API's CPU per event per case and per connected client per event. Needs `tsc -b packages/bench`.
 *
 *   node packages/bench/scripts/sse-fanout.mjs [--clients 100] [--events 400] [--rate 100]
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${name} takes a positive integer, got ${args[i + 1]}`);
  return v;
};
const params = {
  clients: opt('clients', 100),
  events: opt('events', 400),
  rate: opt('rate', 100),
  deliverTimeoutMs: 10_000,
};
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const load = (f) => import(pathToFileURL(path.join(dist, f)).href);
const { BenchStack } = await load('stack.js');
const { measureFanout } = await load('stream/fanout.js');
const { summarize } = await load('stats.js');

const stack = new BenchStack({
  label: 'sse-fanout',
  apiEnv: { MULTYAGENTS_STREAM_MAX_CLIENTS: String(params.clients + 10) },
});
try {
  await stack.startApi();
  const r = await measureFanout(stack, params);
  const f = (x) => +x.toFixed(2);
  console.log(
    JSON.stringify({
      ...params,
      cases: r.cases.map((c) => {
        const s = summarize(c.latencies_ms);
        return {
          clients: c.clients,
          api_cpu_ms_per_event: f(c.api_cpu_ms_per_event),
          ...(c.tally && {
            deliveries: c.tally.deliveries,
            missing: c.tally.missing,
            duplicated: c.tally.duplicated,
            out_of_order: c.tally.out_of_order,
            commit_to_event_ms: { p50: f(s.p50), p99: f(s.p99), max: f(s.max) },
          }),
        };
      }),
      api_cpu_us_per_client_per_event: f(r.api_cpu_us_per_client_per_event),
    }),
  );
} finally {
  await stack.dispose();
}
