import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '../config/api.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { AppError, isAppError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { quickCheckInWorker } from '../store/sqlite/integrity.js';
import { httpRunnerClient } from '../scheduler/runnerClient.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { reconcileAtStart } from '../scheduler/reconciler.js';
import { apiRedactor, type ServiceContext } from '../services/context.js';
import { DrillWatch } from '../services/drillWatch.js';
import { ensureDataDir, loadOrCreateToken, readPid, releasePidFile, writePidFile } from '../store/dataDir.js';
import { SqliteStore } from '../store/sqlite/store.js';
import { buildApp } from './app.js';
import { insertEvent } from '../store/ops/events.js';

/**
 * How long after listening the store's checkpointer thread starts. Booting a worker thread is a second
 * V8 isolate plus Node's bootstrap, the SQLite driver and a connection: ~40-60 ms of CPU, which at open
 * came out of a restart under load on a 2-core machine (bench B4). Under steady writes the store
 * starts it sooner, at its first WAL guard (64 write groups in).
 */
const CHECKPOINTER_AFTER_MS = 2_000;

export interface RunningApi {
  app: FastifyInstance;
  ctx: ServiceContext;
  scheduler: Scheduler;
  url: string;
  /**
   * Settles once start-up reconciliation ended and the scheduler runs; rejects (after closing
   * everything) if reconciliation failed. The API serves before that.
   */
  ready: Promise<void>;
  /** Graceful stop; also during reconciliation (it waits for it to end, and no scheduler starts). */
  stop(): Promise<void>;
}

/**
 * Open the store, build the app and listen; resolves then. Reconciliation with the runners runs
 * meanwhile and the scheduler starts after it (`ready`).
 */
/** The quick check in the background; its verdict goes to `/health` and, when bad, to the log. */
async function checkStoreIntegrity(store: SqliteStore, file: string, logger: Logger): Promise<void> {
  const r = await quickCheckInWorker(file);
  const detail = r.problems.slice(0, 5).join('; ');
  store.setIntegrity(r.ok ? { integrity: 'ok' } : { integrity: 'corrupt', integrity_detail: detail });
  if (r.ok) logger.info({ ms: r.ms }, 'store integrity quick check: ok');
  else {
    logger.error({ ms: r.ms, problems: r.problems }, 'store integrity quick check FAILED');
    process.stderr.write(
      `[api] ERROR STORE_CORRUPT: ${file}: quick_check found damage (${detail}) — see docs/runbook.md "Damaged store"; ` +
        'run `multyagents doctor` for the full check\n',
    );
  }
}

export async function startApi(
  config: ApiConfig,
  opts: { clock?: Clock; logger?: Logger } = {},
): Promise<RunningApi> {
  const logger =
    opts.logger ??
    createLogger({
      name: 'api',
      level: config.logLevel,
      destination: config.logFile ?? undefined,
      rotation: config.logRotation,
    });
  // Start-up phases, logged with 'api listening' (how long a restart after a crash took, and where).
  const t0 = performance.now();
  // Node's own boot, loading the code and resolving the config: from process start to here.
  const phases: Record<string, number> = { boot_ms: Math.round(t0) };
  const mark = (name: string, since: number) => (phases[name] = Math.round(performance.now() - since));
  ensureDataDir(config.dataDir);
  const pidFile = path.join(config.dataDir, 'api.pid');
  // The kernel-held SQLite lock decides who owns the data dir (it dies with its process, even on
  // kill -9 and even while the dead owner is a not-yet-reaped zombie); the pid file only names the
  // owner in the error and for `multyagents status`.
  let store: SqliteStore;
  try {
    store = SqliteStore.open({
      file: config.dbFile,
      durability: config.durability,
      exclusive: true,
      // The checkpointer thread boots after the restart window (CHECKPOINTER_AFTER_MS below).
      deferCheckpointer: true,
      // Fail-stop: a failed WAL fsync means no further change may be acknowledged. Exit at once,
      // without a graceful close; a restarted API recovers from what is on disk.
      onFatal: (err) => {
        logger.fatal({ code: err.code }, err.message);
        process.stderr.write(`[api] FATAL ${err.code}: ${err.message}\n`);
        process.exit(1);
      },
    });
  } catch (err) {
    if (isAppError(err) && err.code === 'DATA_DIR_LOCKED') {
      const owner = readPid(pidFile);
      throw new AppError(
        'DATA_DIR_LOCKED',
        `data dir ${config.dataDir} is in use by another API${owner ? ` (pid ${owner}, ${pidFile})` : ''}`,
        { pid: owner },
      );
    }
    throw err;
  }
  mark('store_open_ms', t0);
  const wal = store.walAtOpen;
  if (wal && wal.torn_bytes > 0) {
    // SQLite recovers silently; say what it dropped (the write a crash interrupted, never acknowledged).
    logger.warn(
      { wal: `${config.dbFile}-wal`, ...wal },
      `store recovered from a torn WAL tail: dropped ${wal.torn_bytes} bytes (${wal.reasons.join(', ')}), kept the valid prefix of ${wal.kept_frames} frames (${wal.commits} commits)`,
    );
  }
  writePidFile(pidFile);
  const runnerToken = loadOrCreateToken(config.dataDir);
  if (!config.runnerAuth)
    logger.warn(
      'runner authentication is OFF (--runner-auth off): any local process can post runner reports',
    );
  const clock = opts.clock ?? systemClock;
  const scheduler = new Scheduler();
  const ctx: ServiceContext = {
    config,
    store,
    clock,
    logger,
    runnerToken,
    runnerClient: httpRunnerClient(runnerToken, config.runnerCallTimeoutMs),
    kick: () => scheduler.kick(),
    redact: apiRedactor(config, runnerToken),
    random: Math.random,
  };
  // Reconcile before the scheduler moves anything: adopt what runners really did while we were down
  // (outbound calls only, bounded by the runner call timeout). Requests are served meanwhile, once the
  // app is built: a runner's report, or a create, is its own transaction whichever comes first —
  // adoption reads the live attempts inside its own transaction and moves only `dispatched` ones, as
  // it does when a runner registers while the API serves — and nothing is dispatched before it ends.
  ctx.reconciling = true;
  const tReconcile = performance.now();
  const reconciled = (async () => {
    await store.tx((sql) =>
      insertEvent(
        sql,
        { event_type: 'api.started', payload: { pid: process.pid } },
        new Date(clock.now()).toISOString(),
      ),
    );
    await reconcileAtStart(ctx);
    mark('reconcile_ms', tReconcile);
  })();
  // Awaited below; this only keeps a failure during the build from counting as unhandled.
  reconciled.catch(() => undefined);
  // Build the app (CPU only, nothing served yet) while the commit's fsync and the runners' answers
  // are awaited.
  let app: FastifyInstance;
  try {
    const tBuild = performance.now();
    app = await buildApp(ctx);
    await app.ready();
    mark('build_ms', tBuild);
  } catch (err) {
    await reconciled.catch(() => undefined);
    throw err;
  }
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await reconciled.catch(() => undefined);
    await store.close();
    releasePidFile(pidFile);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new AppError('PORT_IN_USE', `port ${config.port} on ${config.host} is already taken`);
    }
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (config.port === 0) ctx.config = { ...config, port, publicUrl: url };
  mark('listening_ms', t0);
  logger.info(
    {
      url,
      dataDir: config.dataDir,
      dispatch: config.dispatchMode,
      durability: config.durability,
      // Since the process started (Node's own boot and loading the code included).
      uptime_ms: Math.round(process.uptime() * 1000),
      ...phases,
    },
    'api listening',
  );
  let stopping = false;
  const checkpointerTimer = setTimeout(() => store.startCheckpointer(), CHECKPOINTER_AFTER_MS);
  checkpointerTimer.unref();
  const drillWatch = new DrillWatch(ctx);
  const closeAll = async () => {
    clearTimeout(checkpointerTimer);
    await drillWatch.stop();
    await app.close();
    await ctx.runnerClient.close();
    await store.close();
    releasePidFile(pidFile);
  };
  const ready = (async () => {
    try {
      await reconciled;
    } catch (err) {
      if (!stopping) await closeAll();
      throw err;
    }
    ctx.reconciling = false;
    if (stopping) return;
    scheduler.start(ctx);
    mark('start_ms', t0);
    logger.info({ ...phases }, 'api ready: reconciled with runners, scheduler started');
    // After the restart window's work: a damaged page otherwise shows only when a request reads it.
    void checkStoreIntegrity(store, config.dbFile, logger);
    drillWatch.start();
  })();
  // The caller awaits it (or stop() does); this only keeps a failure from counting as unhandled.
  ready.catch(() => undefined);
  return {
    app,
    ctx,
    scheduler,
    url,
    ready,
    async stop() {
      if (stopping) return;
      stopping = true;
      // Reconciliation's transactions and calls end first (bounded by the runner call timeout).
      await ready.catch(() => undefined);
      await scheduler.stop();
      await closeAll();
    },
  };
}
