/**
 * The bridge's state file (`telegram-state.json` in the data dir): the last event id whose
 * notifications are done and the last Telegram update handled, so a restart neither repeats nor skips.
 * Written atomically (a temp file renamed over it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors.js';

export interface BridgeState {
  /** Resume the event stream after this id (null: never started; only new events). */
  last_event_id: number | null;
  /** getUpdates resumes at this + 1 (null: none handled yet). */
  last_update_id: number | null;
  /** Runs whose notifications the operator muted (`/mute <run>`), ascending. */
  muted_runs: number[];
}

/** Muted runs kept at most; muting one more is refused (the operator unmutes old ones first). */
export const MAX_MUTED_RUNS = 1000;

export const EMPTY_STATE: BridgeState = { last_event_id: null, last_update_id: null, muted_runs: [] };

const idOrNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;

/** The state, or the empty one when the file is missing; a damaged file is an error (not a silent reset). */
export function readState(file: string): BridgeState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_STATE, muted_runs: [] };
    throw err;
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AppError(
      'CONFIG_INVALID',
      `${file} is not JSON: fix or remove it (removing it means: only new events)`,
    );
  }
  const muted = Array.isArray(parsed.muted_runs) ? parsed.muted_runs : [];
  return {
    last_event_id: idOrNull(parsed.last_event_id),
    last_update_id: idOrNull(parsed.last_update_id),
    // A file written before muting existed has none; a damaged entry is dropped, not fatal.
    muted_runs: [...new Set(muted.map(idOrNull).filter((v): v is number => v !== null && v > 0))]
      .sort((a, b) => a - b)
      .slice(0, MAX_MUTED_RUNS),
  };
}

export function sameState(a: BridgeState, b: BridgeState): boolean {
  return (
    a.last_event_id === b.last_event_id &&
    a.last_update_id === b.last_update_id &&
    a.muted_runs.length === b.muted_runs.length &&
    a.muted_runs.every((v, i) => v === b.muted_runs[i])
  );
}

export function writeState(file: string, s: BridgeState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(s)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * The event id the state may record: every event up to it has been notified. With notifications still
 * waiting to be sent, that is just before the oldest of them; otherwise the last event followed.
 */
export function committedEventId(followed: number | null, pendingEventIds: number[]): number | null {
  if (pendingEventIds.length === 0) return followed;
  return Math.min(...pendingEventIds) - 1;
}
