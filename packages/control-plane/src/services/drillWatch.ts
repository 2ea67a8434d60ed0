/**
 * Chaos reports are files that `multyagents chaos` writes (its own private stacks, not this API), so no
 * event announces them. This watcher looks at the chaos evidence dir every `drillWatchMs` and records
 * one `drill.report_written` event per new `report.json`, so the panel's drills page follows the event
 * stream like every other list. Reports present when the API starts are known, not announced.
 *
 * A scan is a readdir plus one stat per folder not seen with a report yet: cheap enough for seconds.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DRILL_EVIDENCE_ID_PATTERN } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { insertEvent } from '../store/ops/events.js';
import type { ServiceContext } from './context.js';
import { listDrillEvidence } from './drills.js';

export class DrillWatch {
  /** Folders whose report.json was seen (null until the first scan). */
  private known: Set<string> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<number> | null = null;

  constructor(private readonly ctx: ServiceContext) {}

  start(): void {
    const ms = this.ctx.config.drillWatchMs;
    if (ms <= 0 || this.timer) return;
    void this.scan();
    this.timer = setInterval(() => void this.scan(), ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning?.catch(() => undefined);
  }

  /** One look; resolves with the number of reports announced. Never throws (a failure is logged). */
  scan(): Promise<number> {
    this.scanning ??= this.scanOnce()
      .catch((err: unknown) => {
        this.ctx.logger.warn({ err: (err as Error).message }, 'drill watch: scan failed');
        return 0;
      })
      .finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scanOnce(): Promise<number> {
    const root = this.ctx.config.chaosDir;
    let names: string[];
    try {
      names = (await fs.readdir(root)).filter((n) => DRILL_EVIDENCE_ID_PATTERN.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      names = [];
    }
    const first = this.known === null;
    const known = (this.known ??= new Set());
    const fresh: string[] = [];
    for (const n of names) {
      if (known.has(n)) continue;
      try {
        await fs.stat(path.join(root, n, 'report.json'));
      } catch {
        continue; // a run still going (no report yet), or not an evidence folder
      }
      known.add(n);
      if (!first) fresh.push(n);
    }
    if (fresh.length === 0) return 0;
    // The same summary GET /drills gives (verdict, counts), read through its path checks.
    const summaries = (await listDrillEvidence(this.ctx)).filter((s) => fresh.includes(s.id));
    await this.ctx.store.tx(async (sql) => {
      for (const s of summaries)
        await insertEvent(
          sql,
          {
            event_type: 'drill.report_written',
            payload: {
              evidence_id: s.id,
              verdict: s.verdict,
              total: s.total,
              passed: s.passed,
              failed: s.failed,
              inconclusive: s.inconclusive,
              ...(s.error ? { error: s.error } : {}),
            },
          },
          iso(this.ctx.clock.now()),
        );
    });
    return summaries.length;
  }
}
