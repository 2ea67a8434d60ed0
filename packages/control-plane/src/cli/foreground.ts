import { isAppError } from '../lib/errors.js';

/**
 * Shared life of a foreground process (`multyagents api`, `multyagents runner`): SIGTERM/SIGINT stop
 * it gracefully (a second signal exits at once), a hard deadline backs the graceful stop, and a start-up
 * failure with a catalogue code prints one `CODE: message` line and exits 2.
 */
export function stopOnSignals(
  label: string,
  opts: { stop: () => Promise<void>; forceAfterMs: number; note?: string },
): void {
  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) {
      process.stdout.write(`[${label}] ${sig} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`[${label}] ${sig}: ${opts.note ?? 'stopping'}\n`);
    const force = setTimeout(() => process.exit(1), opts.forceAfterMs);
    force.unref();
    opts.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

export function exitOnStartError(command: string, err: unknown): never {
  if (isAppError(err)) {
    process.stderr.write(`multyagents ${command}: ${err.code}: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
