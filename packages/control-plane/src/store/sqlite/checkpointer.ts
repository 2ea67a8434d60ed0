/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside a COMMIT on the
 * committing connection — here, the API's only thread — and with synchronous=NORMAL it fsyncs the WAL
 * and the database file while the event loop waits (in-process: 2.1 ms per run create with it, 0.9 ms
 * without; end to end under load the difference was lost in the noise, see docs/architecture.md).
 * The store turns it off (`wal_autocheckpoint=0`) and this worker thread, with its own
 * connection, runs PASSIVE checkpoints (they never block the writer) whenever the WAL has grown past a
 * threshold. If the worker is gone or falls far behind, the store checkpoints itself (see
 * SqliteStore.walGuard), so the WAL stays bounded either way.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  file: string;
  /** Checkpoint when the WAL is larger than this. */
  thresholdBytes: number;
  /** How often the worker looks at the WAL size. */
  intervalMs: number;
  /**
   * At least this long between two checkpoints. Each one writes the pages changed since the last
   * into the database file and fsyncs it; on a shared disk those fsyncs delay the WAL's own, which
   * every acknowledgement waits for, so fewer, larger checkpoints are cheaper for everyone.
   */
  minGapMs: number;
  onError: (message: string) => void;
}

/**
 * The worker's code. It runs as an eval'd CommonJS script (no file to locate, whether the store runs
 * from `dist/`, a bundle or the test runner's TypeScript), so it must not reference anything outside.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
let stopped = false;
parentPort.on('message', (m) => {
  if (m === 'stop') {
    stopped = true;
    clearInterval(timer);
    try { db.close(); } catch {}
    parentPort.postMessage('stopped');
  }
});
const pageSize = db.pragma('page_size', { simple: true });
let last = 0;
const timer = setInterval(() => {
  if (stopped) return;
  if (Date.now() - last < workerData.minGapMs) return;
  // The WAL file keeps its size when the log restarts from its start (journal_size_limit): what
  // grows is the log in it, which only a checkpoint reports.
  let size = 0;
  try { size = fs.statSync(workerData.file + '-wal').size; } catch { return; }
  if (size < workerData.thresholdBytes) return;
  last = Date.now();
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (r && r.log >= 0) parentPort.postMessage({ logBytes: r.log * pageSize });
  } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
}, workerData.intervalMs);
`;

export class Checkpointer {
  private worker: Worker | null = null;
  private alive = false;
  private stopped = false;
  private lastLog: { bytes: number; at: number } | null = null;
  private readonly minGapMs: number;

  /** Nothing runs until `start()`: a worker thread is a second V8 isolate to boot (see start). */
  constructor(private readonly opts: CheckpointerOptions) {
    this.minGapMs = opts.minGapMs;
  }

  /**
   * Spawn the worker (once; never after `stop`). Booting it costs ~40-60 ms of CPU (its own isolate,
   * Node bootstrap, the driver, a connection), which the API defers until it serves: on a 2-core
   * machine under load that CPU would otherwise come out of the restart itself (see api/server.ts).
   */
  start(): void {
    if (this.worker || this.stopped) return;
    const opts = this.opts;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: opts.file,
        driver,
        thresholdBytes: opts.thresholdBytes,
        intervalMs: opts.intervalMs,
        minGapMs: opts.minGapMs,
      },
    });
    this.worker = worker;
    this.alive = true;
    worker.unref();
    worker.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && 'error' in m) opts.onError(String((m as { error: unknown }).error));
      if (m && typeof m === 'object' && 'logBytes' in m)
        this.lastLog = { bytes: Number(m.logBytes), at: performance.now() };
    });
    worker.on('error', (err) => {
      this.alive = false;
      opts.onError(err.message);
    });
    worker.on('exit', () => (this.alive = false));
  }

  get started(): boolean {
    return this.worker !== null;
  }

  get running(): boolean {
    return this.alive;
  }

  /**
   * The length of the log in the WAL (not the file's size) at the worker's last checkpoint, if that
   * was recent (within 2.5 checkpoint gaps); null otherwise (no checkpoint needed yet, or the worker
   * is stuck).
   */
  get logBytes(): number | null {
    const fresh = 2.5 * this.minGapMs;
    if (!this.alive || !this.lastLog || performance.now() - this.lastLog.at > fresh) return null;
    return this.lastLog.bytes;
  }

  /** The store checkpointed all of the log itself: it restarts with the next write. */
  noteLogRestarting(): void {
    this.lastLog = { bytes: 0, at: performance.now() };
  }

  /** Close the worker's connection (so the store's own close can checkpoint and drop the WAL). */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker || !this.alive) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m: unknown) => m === 'stopped' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop');
    await stopped;
    await worker.terminate();
    this.alive = false;
  }
}
