import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { readTokenFile, type RunnerConfig } from '../config/runner.js';
import { createExecutor } from '../executors/index.js';
import type { ExecutorCheck } from '../executors/types.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { Attempts } from './attempts.js';
import { detectCapabilities, resolveSandbox, type SandboxDecision } from './capabilities.js';
import { createGitWorkspaces, type GitWorkspaces } from './git/index.js';
import { PathLocks } from './pathLocks.js';
import { originOf } from './decisions.js';
import { httpTransport } from './http.js';
import { toAttemptState, Journal } from './journal.js';
import { Outbox } from './outbox.js';
import { claimRunnerDir } from './ownership.js';
import { housekeeping } from './housekeeping.js';
import { CREDENTIAL_META, Presence } from './presence.js';
import { healthProbe } from './probe.js';
import { Reaper } from './reaper.js';
import { recoverJournal } from './recovery.js';
import { buildRunnerApp } from './server.js';

export interface RunningRunner {
  url: string;
  port: number;
  config: RunnerConfig;
  executorCheck: ExecutorCheck;
  /** Attempts found unfinished in the journal at start and reported failed (runner-restarted). */
  recovered: number;
  runnerId(): number | null;
  /** Resolves at the first successful registration with the API. */
  registered: Promise<void>;
  app: FastifyInstance;
  journal: Journal;
  /** Drain (stop accepting, let attempts finish up to drainMs, then cancel them), flush, close. */
  stop(opts?: { drainMs?: number; flushMs?: number }): Promise<void>;
}

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const RECENT_MS = 15 * 60_000;
/** How often the outbox asks an API it could not reach whether it is back (see Outbox.probe). */
const OUTBOX_PROBE_MS = 100;

async function resolveToken(config: RunnerConfig, logger: Logger): Promise<string> {
  if (config.token) return config.token;
  const deadline = Date.now() + config.tokenWaitMs;
  let warned = false;
  for (;;) {
    const t = readTokenFile(config.tokenFile);
    if (t) return t;
    if (Date.now() >= deadline) {
      throw new AppError(
        'CONFIG_INVALID',
        `no runner token: pass --token, set MULTYAGENTS_RUNNER_TOKEN or MULTYAGENTS_RUNNER_TOKEN_FILE, ` +
          `or start the API first (it writes ${config.tokenFile})`,
      );
    }
    if (!warned) logger.warn({ file: config.tokenFile }, 'waiting for the runner token file');
    warned = true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Worktrees no attempt of this runner holds any more, left by failed attempts or a crash: removed once
 * proven done (pinned, clean) and older than the keep time (a retry may still resume in a younger
 * one); the others are kept and logged. At start no attempt runs yet (recovery settled them all).
 */
async function sweepWorktrees(git: GitWorkspaces, config: RunnerConfig, logger: Logger): Promise<void> {
  try {
    const r = await git.sweep({ keep: new Set(), olderThanMs: config.worktreeKeepMs });
    if (r.removed.length || r.kept.length || r.staleLocksCleared.length)
      logger.info(
        { removed: r.removed.length, kept: r.kept, staleLocksCleared: r.staleLocksCleared },
        'worktree sweep',
      );
  } catch (err) {
    logger.warn({ err }, 'worktree sweep failed; leaving the worktrees as they are');
  }
}

/** Start a runner in this process: recover the journal, serve, register, deliver the outbox. */
export async function startRunner(
  config: RunnerConfig,
  opts: { clock?: Clock; logger?: Logger; random?: () => number } = {},
): Promise<RunningRunner> {
  const logger =
    opts.logger ??
    createLogger({
      name: 'runner',
      level: config.logLevel,
      destination: config.logFile ?? undefined,
      rotation: config.logRotation,
    });
  const clock = opts.clock ?? systemClock;
  const ownership = claimRunnerDir(config.dataDir);
  let journal: Journal;
  try {
    journal = Journal.open(config.dbFile);
  } catch (err) {
    ownership.release();
    throw err;
  }
  const cleanups: Array<() => Promise<void> | void> = [() => ownership.release(), () => journal.close()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    fs.mkdirSync(config.logsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(config.workDir, { recursive: true });
    const token = await resolveToken(config, logger);
    const executor = createExecutor(config);
    const executorCheck = await executor.check();
    if (!executorCheck.ok) logger.warn({ executor: executor.name }, executorCheck.message);

    const sandbox: SandboxDecision = await resolveSandbox(config);
    const capabilities = await detectCapabilities(config, { sandbox });
    logger.info({ capabilities, sandbox: sandbox.mode, sandboxEnabled: sandbox.enabled }, sandbox.message);
    const pathLocks = new PathLocks({ dir: config.pathLocksDir, runner: config.name });
    cleanups.push(() => pathLocks.close());
    await pathLocks.sweep();
    const git: GitWorkspaces | null = capabilities.includes('git-worktree')
      ? createGitWorkspaces({ worktreesDir: config.worktreesDir, logger, author: config.gitAuthor })
      : null;

    const reaper = new Reaper();
    reaper.start(config.killGraceMs);
    cleanups.push(() => reaper.stop());
    const recovered = await recoverJournal(journal, config, clock, logger);
    if (git) await sweepWorktrees(git, config, logger);
    housekeeping(journal, config, clock.now());
    const hourly = setInterval(() => housekeeping(journal, config, clock.now()), 3_600_000);
    hourly.unref();
    cleanups.push(() => clearInterval(hourly));

    // Our own credential (issued at the first registration, kept in the journal across restarts).
    let credential = journal.getMeta(CREDENTIAL_META);
    const transport = httpTransport(config.apiTimeoutMs, () => credential);
    cleanups.push(() => transport.close());
    const probe = healthProbe(config.apiUrl, Math.min(config.apiTimeoutMs, 1000));
    cleanups.push(() => probe.close());
    let presence: Presence | null = null;
    const runnerId = () => presence?.id ?? null;
    const outbox = new Outbox(journal, transport, clock, logger, {
      capMs: config.outboxCapMs,
      // Few requests, each carrying every report due (reportBatch.ts): under load the reports that
      // come while both are out leave together in the next one, which costs the API far less.
      concurrency: 2,
      random: opts.random ?? Math.random,
      runnerId: () => runnerId() ?? (Number(journal.getMeta('runner_id')) || null),
      // After an API outage the reports go as soon as it answers again, not when the backoff says.
      probe: (origin) => probe.check(origin),
      probeMs: OUTBOX_PROBE_MS,
    });
    outbox.start();
    cleanups.push(() => outbox.stop());
    journal.onCommitState = (failure) => {
      if (failure)
        logger.error(
          { err: failure },
          'runner journal commit failed: new work is refused, its writes are kept and retried',
        );
      else {
        logger.info('runner journal commits again');
        outbox.wake();
      }
    };
    const attempts = new Attempts({
      config,
      journal,
      outbox,
      executor,
      transport,
      reaper,
      clock,
      logger,
      runnerToken: token,
      runnerId,
      credential: () => credential,
      git,
      pathLocks,
      sandbox,
    });
    const health = () => ({
      status: 'ok',
      runner_id: runnerId(),
      name: config.name,
      capacity: config.capacity,
      running: attempts.activeCount,
      executor: executor.name,
      executor_ok: executorCheck.ok,
      draining: attempts.draining,
      outbox_pending: outbox.pending,
      pid: process.pid,
      reaper_pid: reaper.pid,
      version: VERSION,
    });
    const app = buildRunnerApp({
      attempts,
      journal,
      token,
      logger,
      health,
      recentMs: RECENT_MS,
      now: () => clock.now(),
    });
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new AppError('PORT_IN_USE', `runner: port ${config.port} on ${config.host} is already taken`);
      }
      throw err;
    }
    cleanups.push(() => app.close());
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const apiOrigin = originOf(config.apiUrl);
    presence = new Presence({
      config,
      transport,
      journal,
      logger,
      token,
      url: config.publicUrl ?? url,
      version: VERSION,
      capabilities,
      attempts: () => journal.unsettled().map(toAttemptState),
      // A journal that cannot commit takes no new work (submits are refused as busy meanwhile).
      freeSlots: () =>
        attempts.draining || journal.commitFailure ? 0 : Math.max(0, config.capacity - attempts.activeCount),
      draining: () => attempts.draining,
      onCancel: (list) => {
        for (const c of list) attempts.kill(c.task_id, c.attempt, 'cancel');
      },
      onReachable: (how) => {
        if (apiOrigin) outbox.reachable(apiOrigin, how === 'register');
      },
      saveCredential: (c) => {
        // Durable before use: a restart must present it, or the name is refused as taken.
        journal.setMeta(CREDENTIAL_META, c);
        credential = c;
      },
    });
    presence.start();
    const p = presence;
    cleanups.push(() => p.stop());
    logger.info(
      { url, dataDir: config.dataDir, executor: executor.name, api: config.apiUrl },
      'runner listening',
    );

    let stopping: Promise<void> | null = null;
    return {
      url,
      port,
      config,
      executorCheck,
      recovered,
      runnerId,
      registered: presence.registered,
      app,
      journal,
      stop(o = {}) {
        stopping ??= (async () => {
          attempts.draining = true;
          await p.announceDraining();
          const drainMs = o.drainMs ?? config.drainMs;
          const idle = await attempts.waitIdle(drainMs);
          if (!idle) {
            logger.warn(
              { running: attempts.activeCount },
              'drain grace over: canceling the remaining attempts',
            );
            await attempts.killAll('shutdown');
          }
          await outbox.flush(o.flushMs ?? 2000);
          await p.announceStopped();
          await cleanup();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
