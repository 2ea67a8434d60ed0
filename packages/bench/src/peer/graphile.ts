/**
 * The peer: graphile-worker 0.17.3 on the local PostgreSQL, with a no-op task, measured the way its
 * own perfTest does (latencyTest.js: one job at a time, concurrency 1; run.js: jobs queued first,
 * then drained). Each run uses a fresh database that is dropped afterwards.
 */
import { createRequire } from 'node:module';
import gw from 'graphile-worker';
import pg from 'pg';
import { wallMs } from '../clock.js';
import { summarize, round, type Summary } from '../stats.js';

export interface PeerParams {
  /** Connection strings to try, first that connects wins (database `test`). */
  adminUrls: string[];
  latencySamples: number;
  throughputJobs: number;
  /** Concurrency settings to drain the throughput queue with. */
  throughputConcurrency: number[];
}

export interface PeerThroughput {
  settings: string;
  concurrency: number;
  jobs: number;
  elapsed_ms: number;
  jobs_per_s: number;
}

export type PeerResult =
  | {
      status: 'ok';
      peer: string;
      version: string;
      server_version: string;
      database: string;
      latency_from_return: Summary;
      latency_from_call: Summary;
      throughput: PeerThroughput[];
    }
  | { status: 'skipped'; peer: string; reason: string };

const silent = new gw.Logger(() => () => undefined);

async function connectAdmin(urls: string[]): Promise<{ client: pg.Client; url: string } | { error: string }> {
  const errors: string[] = [];
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return { client, url };
    } catch (err) {
      errors.push(`${url.replace(/:[^:@/]*@/, ':***@')}: ${(err as Error).message}`);
      await client.end().catch(() => undefined);
    }
  }
  return { error: errors.join('; ') };
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * One pool per phase, owned here: its idle clients get an error listener (PostgreSQL terminating
 * them, e.g. at the final DROP DATABASE … FORCE, must not crash the process) and it is ended before
 * the database is dropped.
 */
function makePool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 12 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

async function latency(connectionString: string, samples: number) {
  const waiters = new Map<number, (at: number) => void>();
  const pgPool = makePool(connectionString);
  const runner = await gw.run({
    pgPool,
    concurrency: 1,
    noHandleSignals: true,
    logger: silent,
    taskList: {
      latency: async (payload) => {
        const at = wallMs();
        waiters.get((payload as { id: number }).id)?.(at);
      },
    },
  });
  const utils = await gw.makeWorkerUtils({ pgPool, logger: silent });
  const fromReturn: number[] = [];
  const fromCall: number[] = [];
  try {
    const warmup = Math.min(100, samples);
    for (let id = 0; id < warmup + samples; id++) {
      const started = new Promise<number>((resolve) => waiters.set(id, resolve));
      const called = wallMs();
      await utils.addJob('latency', { id });
      const returned = wallMs();
      const at = await started;
      waiters.delete(id);
      if (id >= warmup) {
        fromReturn.push(at - returned);
        fromCall.push(at - called);
      }
    }
  } finally {
    await utils.release();
    await runner.stop();
    await pgPool.end();
  }
  return { fromReturn: summarize(fromReturn), fromCall: summarize(fromCall) };
}

async function drain(connectionString: string, jobs: number, concurrency: number): Promise<PeerThroughput> {
  const pgPool = makePool(connectionString);
  await pgPool.query(
    `select graphile_worker.add_job('noop', json_build_object('id', i)) from generate_series(1, $1::int) i`,
    [jobs],
  );
  let done = 0;
  let first = 0;
  let last = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finish = resolve));
  const runner = await gw.run({
    pgPool,
    concurrency,
    noHandleSignals: true,
    logger: silent,
    taskList: {
      noop: async () => {
        if (done === 0) first = wallMs();
        done++;
        last = wallMs();
        if (done === jobs) finish();
      },
    },
  });
  await Promise.race([all, runner.promise]);
  // The last job's completion is committed by the worker after the task returns; stop() waits for it.
  await runner.stop();
  await pgPool.end();
  const elapsed = last - first;
  return {
    settings: concurrency === 1 ? 'defaults (concurrency 1)' : `concurrency ${concurrency}`,
    concurrency,
    jobs,
    elapsed_ms: round(elapsed, 1),
    jobs_per_s: round((jobs - 1) / (elapsed / 1000), 0),
  };
}

export async function graphilePeer(p: PeerParams): Promise<PeerResult> {
  const admin = await connectAdmin(p.adminUrls);
  if ('error' in admin) {
    return { status: 'skipped', peer: 'graphile-worker', reason: `PostgreSQL unreachable: ${admin.error}` };
  }
  const db = `multyagents_bench_${process.pid}_${Date.now()}`;
  const version = (createRequire(import.meta.url)('graphile-worker/package.json') as { version: string })
    .version;
  try {
    const sv = await admin.client.query<{ server_version: string }>('show server_version');
    await admin.client.query(`CREATE DATABASE ${db}`);
    const url = withDatabase(admin.url, db);
    const migratePool = makePool(url);
    await gw.runMigrations({ pgPool: migratePool, logger: silent });
    await migratePool.end();
    const lat = await latency(url, p.latencySamples);
    const throughput: PeerThroughput[] = [];
    for (const c of p.throughputConcurrency) throughput.push(await drain(url, p.throughputJobs, c));
    return {
      status: 'ok',
      peer: 'graphile-worker',
      version,
      server_version: sv.rows[0]?.server_version ?? 'unknown',
      database: `${db} (created for this run, dropped after)`,
      latency_from_return: lat.fromReturn,
      latency_from_call: lat.fromCall,
      throughput,
    };
  } catch (err) {
    return { status: 'skipped', peer: 'graphile-worker', reason: `peer failed: ${(err as Error).message}` };
  } finally {
    await admin.client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.client.end().catch(() => undefined);
  }
}
