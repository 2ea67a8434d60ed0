import pino, { type Logger } from 'pino';
import { fileOfFd, LogSink, type LogSinkStatus } from './logSink.js';

export type { Logger };

/**
 * A log file is written in blocks of at least this many bytes (a few dozen lines) instead of one
 * write(2) per line, which under load cost the runner more CPU than its journal commits. Lines wait
 * at most FLUSH_MS: the buffer is flushed on that timer, and synchronously when the process exits.
 * Only a kill -9 or a power loss can lose lines: those of the last FLUSH_MS, at most BLOCK bytes
 * (docs/runbook.md "Logs"). Standard output (where `up` sends the API's log) is written as soon as
 * the previous write is done. Neither ever blocks the event loop or throws: see lib/logSink.ts.
 */
export const LOG_BLOCK_BYTES = 8 * 1024;
export const LOG_FLUSH_MS = 500;

const sinks: LogSink[] = [];
let stdioGuarded = false;
const stdioErrors: { code: string; since: number }[] = [];

/**
 * A full disk or a closed pipe under stdout/stderr emits 'error' on the stream; with no listener
 * that kills the process. Such a write is lost (and counted); the process goes on.
 */
function guardStdio(): void {
  if (stdioGuarded) return;
  stdioGuarded = true;
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (stdioErrors.length < 100) stdioErrors.push({ code: err.code ?? 'EIO', since: Date.now() });
    });
  }
  process.once('exit', () => {
    for (const sink of sinks) sink.flushSync();
  });
}

/** Structured JSON logs; scope with `logger.child({ runId, taskId, runnerId })`. */
export function createLogger(opts: {
  level?: string;
  name: string;
  destination?: string;
  /** Rotate the log file by size (the destination, or stdout when it is a regular file). */
  rotation?: { maxBytes: number; keep: number };
}): Logger {
  const level = opts.level ?? 'info';
  guardStdio();
  const rot = opts.rotation;
  const rotate = (file: string | null) =>
    rot && file && rot.maxBytes > 0 ? { path: file, maxBytes: rot.maxBytes, keep: rot.keep } : null;
  const sink = opts.destination
    ? LogSink.toFile(opts.destination, {
        blockBytes: LOG_BLOCK_BYTES,
        flushMs: LOG_FLUSH_MS,
        rotate: rotate(opts.destination),
      })
    : new LogSink(1, { blockBytes: 0, flushMs: LOG_FLUSH_MS, rotate: rotate(fileOfFd(1)) });
  sinks.push(sink);
  return pino({ level, name: opts.name }, sink);
}

/** The logging part of `/health`: ok unless some log of this process cannot be written now. */
export function loggingStatus(): LogSinkStatus {
  const all = sinks.map((s) => s.status());
  const failing = all.find((s) => s.failing)?.failing ?? null;
  return {
    ok: failing === null,
    dropped_lines: all.reduce((n, s) => n + s.dropped_lines, 0),
    failing,
  };
}

export const silentLogger: Logger = pino({ level: 'silent' });
