import fs from 'node:fs';
import path from 'node:path';
import type { RunnerConfig } from '../config/runner.js';
import type { Journal } from './journal.js';

export const RETENTION_MS = 7 * 86_400_000;

/**
 * A runner may stay up for weeks: settled journal history, attempt dirs (prompt, result file) and log
 * files older than the retention are removed. Unsettled attempts and dead letters are kept.
 */
export function housekeeping(journal: Journal, config: RunnerConfig, nowMs: number): void {
  const cutoff = nowMs - RETENTION_MS;
  journal.prune(new Date(cutoff).toISOString());
  const active = new Set(journal.unsettled().map((a) => `task-${a.task_id}-attempt-${a.attempt}`));
  for (const dir of [path.join(config.dataDir, 'attempts'), config.logsDir]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (active.has(name.replace(/\.log$/, ''))) continue;
      const full = path.join(dir, name);
      try {
        if (fs.statSync(full).mtimeMs < cutoff) fs.rmSync(full, { recursive: true, force: true });
      } catch {
        /* raced with another removal */
      }
    }
  }
}
