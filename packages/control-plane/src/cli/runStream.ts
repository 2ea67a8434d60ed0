/**
 * Following a run through the event stream (`GET /events/stream`), shared by `run` and `watch`: the
 * resume point, which events change a status, and the one-line error for a stream the API refuses.
 */
import { isErrorCode } from '@multyagents/contracts';
import { CliError, EXIT } from './errors.js';
import type { JsonClient } from './http.js';
import { transitionOf, type StreamEvent } from './watchView.js';

/** The id of the run's newest event (0: none): state read after it, events followed from it. */
export async function lastRunEventId(api: JsonClient, runId: number): Promise<number> {
  // `limit` is the last N matches (v1's meaning), so this is the newest one.
  const events = await api.get<Array<{ id: number }>>(`/events?run_id=${runId}&limit=1`);
  return events.at(-1)?.id ?? 0;
}

const NO_LOOKUPS = { step: () => null, runner: () => null };

/** Whether an event records a run or task status change (or a scheduled retry, or a decision). */
export function changesStatus(e: StreamEvent): boolean {
  return transitionOf(e, NO_LOOKUPS) !== null;
}

/** A refusal of the stream (401, 404 …) as the one-line error with the API's code. */
export function streamError(err: unknown, baseUrl: string): CliError {
  if (err instanceof CliError) return err;
  const e = err as Error & { status?: number };
  if (e.status !== undefined) {
    const m = /answered \d+: (.*)$/s.exec(e.message);
    let code: string | undefined;
    try {
      code = (JSON.parse(m?.[1] ?? '') as { code?: string }).code;
    } catch {
      /* not JSON */
    }
    return new CliError(code && isErrorCode(code) ? code : 'API_UNEXPECTED_ANSWER', e.message, {
      exitCode: e.status === 422 ? EXIT.usage : EXIT.api,
    });
  }
  return new CliError('API_UNREACHABLE', `lost the event stream of ${baseUrl}: ${e.message}`, {
    hint: 'is the API running? `multyagents status`',
    exitCode: EXIT.api,
  });
}
