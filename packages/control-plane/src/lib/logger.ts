import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; scope with `logger.child({ runId, taskId, runnerId })`. */
export function createLogger(opts: { level?: string; name: string; destination?: string }): Logger {
  const level = opts.level ?? 'info';
  if (opts.destination) {
    return pino(
      { level, name: opts.name },
      pino.destination({ dest: opts.destination, sync: false, mkdir: true }),
    );
  }
  return pino({ level, name: opts.name });
}

export const silentLogger: Logger = pino({ level: 'silent' });
