/**
 * B15: event → DOM update. The runs list is open in chromium; the bench creates runs through the API,
 * one at a time at a fixed rate, and records `Date.now()` when each create is answered (after its
 * commit). In the page a MutationObserver, installed before the panel's code, records `Date.now()` when
 * each `tr[data-run="<id>"]` row is first added. Both are the machine's wall clock.
 */
import type { Browser } from 'playwright-core';
import type { BenchClient } from '../http.js';
import { sleep } from '../procs.js';
import { tallyLive, type LiveTally } from './liveTally.js';

const OBSERVE_ROWS = `(() => {
  performance.setResourceTimingBufferSize(100000);
  const seen = (window.__seen = {});
  const note = (el, t) => {
    const id = el.getAttribute('data-run');
    if (id !== null && !(id in seen)) seen[id] = t;
  };
  new MutationObserver((muts) => {
    const t = Date.now();
    for (const m of muts)
      for (const n of m.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (n.matches('tr[data-run]')) note(n, t);
        for (const el of n.querySelectorAll('tr[data-run]')) note(el, t);
      }
  }).observe(document, { childList: true, subtree: true });
})();`;

export interface LiveParams {
  changes: number;
  /** Creates per second (one at a time, paced). */
  rate: number;
  /** How long after the last create the page may take to show every row. */
  settleMs: number;
}

export interface LiveResult {
  tally: LiveTally;
  /** Durations of the list's refetches (`GET /workflow-runs`, resource timing) after the first load. */
  refetch_ms: number[];
}

const REFETCHES = `performance
  .getEntriesByType('resource')
  .filter((e) => e.name.includes('/workflow-runs'))
  .slice(1)
  .map((e) => e.duration)`;

export async function eventToDom(
  browser: Browser,
  base: string,
  client: BenchClient,
  templateId: number,
  p: LiveParams,
): Promise<LiveResult> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await ctx.addInitScript({ content: OBSERVE_ROWS });
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/#/runs`, { waitUntil: 'commit' });
    await page.waitForSelector('tr[data-run]', { timeout: 30_000 });
    await page.waitForFunction(
      `(document.querySelector('[data-testid="stream"]')?.textContent ?? '').includes('open')`,
      undefined,
      { timeout: 30_000 },
    );
    // The stream answers its headers before the hub has attached it: give it a moment.
    await sleep(500);
    const acks = new Map<number, number>();
    const t0 = Date.now();
    for (let i = 0; i < p.changes; i++) {
      const wait = t0 + (i * 1000) / p.rate - Date.now();
      if (wait > 0) await sleep(wait);
      const run = await client.post<{ id: number }>('/workflow-runs', { workflow_template_id: templateId });
      acks.set(run.id, Date.now());
    }
    const want = [...acks.keys()].map(String);
    const deadline = Date.now() + p.settleMs;
    let seen: Record<string, number> = {};
    // Bounded: until every row was seen or settleMs after the last create.
    for (;;) {
      seen = (await page.evaluate('window.__seen')) as Record<string, number>;
      if (want.every((id) => id in seen) || Date.now() > deadline) break;
      await sleep(100);
    }
    return { tally: tallyLive(acks, seen), refetch_ms: (await page.evaluate(REFETCHES)) as number[] };
  } finally {
    await ctx.close();
  }
}
