/**
 * B14: navigation start → the first meaningful element in the DOM, timed inside the page. An init
 * script (run before any of the panel's code) watches the DOM with a MutationObserver and records
 * `performance.now()` — ms since the navigation started — when the target first matches, then again
 * at the next animation frame (≈ the paint that shows it). The bench's own clock is never used.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface PaintTarget {
  /** A label for the rows: 'runs', 'overview'. */
  name: string;
  /** Panel route, e.g. '#/runs'. */
  hash: string;
  /** CSS selector of the element that makes the view meaningful. */
  selector: string;
  /** Optional: the element's text must match this (e.g. a count that is not 0). */
  text?: string;
}

/** The panel's contract with this benchmark: rows of the runs list are `tr[data-run="<id>"]`. */
export const RUNS_TARGET: PaintTarget = { name: 'runs', hash: '#/runs', selector: 'tr[data-run]' };
/** The overview is meaningful once the count of successful runs shows a number above 0. */
export const OVERVIEW_TARGET: PaintTarget = {
  name: 'overview',
  hash: '#/overview',
  selector: '[data-testid="count-success"]',
  text: '[1-9]\\d*\\s*$',
};

export interface PaintSample {
  /** ms from navigation start to the target in the DOM, and to the next animation frame. */
  in_dom_ms: number;
  next_frame_ms: number;
  /** How many elements matched the selector then (rows of the list). */
  matched: number;
  dom_content_loaded_ms: number;
  /** responseEnd of the first API list the view fetched (`/workflow-runs`), ms since navigation start. */
  runs_fetch_end_ms: number | null;
}

function initScript(t: PaintTarget): string {
  return `(() => {
  const sel = ${JSON.stringify(t.selector)};
  const re = ${t.text ? `new RegExp(${JSON.stringify(t.text)})` : 'null'};
  const b = (window.__bench = { found: null, frame: null, matched: 0 });
  const ok = () => {
    const el = document.querySelector(sel);
    return !!el && (!re || re.test(el.textContent || ''));
  };
  const obs = new MutationObserver(() => {
    if (b.found !== null || !ok()) return;
    b.found = performance.now();
    b.matched = document.querySelectorAll(sel).length;
    obs.disconnect();
    requestAnimationFrame(() => { b.frame = performance.now(); });
  });
  obs.observe(document, { childList: true, subtree: true, characterData: true });
})();`;
}

const READ = `(() => {
  const b = window.__bench;
  const nav = performance.getEntriesByType('navigation')[0];
  const runs = performance.getEntriesByType('resource').find((e) => e.name.includes('/workflow-runs'));
  return {
    in_dom_ms: b.found,
    next_frame_ms: b.frame,
    matched: b.matched,
    dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : -1,
    runs_fetch_end_ms: runs ? runs.responseEnd : null,
  };
})()`;

async function measure(page: Page, url: string, timeoutMs: number): Promise<PaintSample> {
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  await page.waitForFunction('window.__bench && window.__bench.frame !== null', undefined, {
    timeout: timeoutMs,
  });
  return (await page.evaluate(READ)) as PaintSample;
}

export interface PaintSeries {
  target: PaintTarget;
  cold: PaintSample[];
  warm: PaintSample[];
}

/**
 * `loads` cold loads (each in a new browser context: empty cache, no service worker, no storage) and
 * `loads` warm ones (each a new page in one context that has loaded the view once: the hashed assets
 * come from its cache). One unmeasured cold load first warms the API, not the browser.
 */
export async function paintSeries(
  browser: Browser,
  base: string,
  target: PaintTarget,
  loads: number,
  timeoutMs = 30_000,
): Promise<PaintSeries> {
  const url = `${base}/ui/${target.hash}`;
  const fresh = async (): Promise<BrowserContext> => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript({ content: initScript(target) });
    return ctx;
  };
  const once = async (ctx: BrowserContext) => {
    const page = await ctx.newPage();
    try {
      return await measure(page, url, timeoutMs);
    } finally {
      await page.close();
    }
  };
  const cold: PaintSample[] = [];
  const warm: PaintSample[] = [];
  for (let i = 0; i <= loads; i++) {
    const ctx = await fresh();
    try {
      const s = await once(ctx);
      if (i > 0) cold.push(s);
    } finally {
      await ctx.close();
    }
  }
  const ctx = await fresh();
  try {
    await once(ctx);
    for (let i = 0; i < loads; i++) warm.push(await once(ctx));
  } finally {
    await ctx.close();
  }
  return { target, cold, warm };
}
