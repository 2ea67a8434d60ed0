import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * A log file is written in blocks of at least this many bytes (a few dozen lines) instead of one
 * write(2) per line, which under load cost the runner more CPU than its journal commits. Lines wait
 * at most FLUSH_MS: the buffer is flushed on that timer, and synchronously when the process exits
 * (pino registers an exit handler for non-sync destinations: normal exit, process.exit, a fatal
 * throw). Only a kill -9 or a power loss can lose lines: those of the last FLUSH_MS, at most BLOCK
 * bytes (docs/runbook.md "Logs").
 */
export const LOG_BLOCK_BYTES = 8 * 1024;
export const LOG_FLUSH_MS = 500;

/** Structured JSON logs; scope with `logger.child({ runId, taskId, runnerId })`. */
export function createLogger(opts: { level?: string; name: string; destination?: string }): Logger {
  const level = opts.level ?? 'info';
  if (opts.destination) {
    return pino(
      { level, name: opts.name },
      pino.destination({
        dest: opts.destination,
        sync: false,
        mkdir: true,
        minLength: LOG_BLOCK_BYTES,
        periodicFlush: LOG_FLUSH_MS,
      }),
    );
  }
  return pino({ level, name: opts.name });
}

export const silentLogger: Logger = pino({ level: 'silent' });
