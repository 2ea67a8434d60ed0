import type { ErrorCode } from '@multyagents/contracts';
import type { Command } from 'commander';

/**
 * Exit codes of the launcher (docs/cli.md lists them):
 * 0 ok · 1 the thing asked for failed (run failed, e2e failed, a component never became healthy)
 * 2 invalid usage or input · 3 conflict with the machine (port taken, data dir locked, binary missing,
 * stack not running) · 4 API unreachable or answered an error · 5 timed out waiting.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, conflict: 3, api: 4, timeout: 5 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error the CLI explains in one line: what failed, and what to do about it. Its code comes from the
 * one catalogue (@multyagents/contracts `ERROR_CODES`, docs/errors.md), like the API's.
 */
export class CliError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; exitCode?: ExitCode; details?: unknown } = {},
  ) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT.failed;
    this.details = opts.details;
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError('USAGE', message, { hint, exitCode: EXIT.usage });
}

/** The one line a user sees for an error. */
export function formatError(command: string, err: unknown): string {
  if (err instanceof CliError) {
    return `multyagents ${command}: ${err.code}: ${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return `multyagents ${command}: unexpected error: ${msg} (run again with --verbose for details)`;
}

/** `runs show` for a subcommand of a group, `run` for a top-level one (the root's name left out). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ') || cmd.name();
}

export function isVerbose(cmd: Command): boolean {
  return Boolean(cmd.optsWithGlobals().verbose);
}

/**
 * Wrap a command action: a CliError becomes one line on stderr and its exit code; anything else is
 * an unexpected error (exit 1). `--verbose` adds the details and the stack. Always exits.
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    let code: number;
    try {
      code = (await fn(...args)) ?? EXIT.ok;
    } catch (err) {
      process.stderr.write(`${formatError(commandPath(cmd), err)}\n`);
      if (isVerbose(cmd)) {
        if (err instanceof CliError && err.details !== undefined) {
          process.stderr.write(`details: ${JSON.stringify(err.details, null, 2)}\n`);
        }
        if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
      }
      code = err instanceof CliError ? err.exitCode : EXIT.failed;
    }
    // Exit explicitly: idle keep-alive sockets or a watcher must not keep a finished command alive.
    process.exit(code);
  };
}
