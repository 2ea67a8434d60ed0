import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { makeBaseStore, removeStore, storeWithRuns, type BaseStore } from '../phases/baseStore.js';
import { findChromium, launchChromium } from '../panel/browser.js';
import { bundleSize, panelDist, type BundleSize } from '../panel/dist.js';
import { eventToDom, type LiveParams } from '../panel/live.js';
import {
  OVERVIEW_TARGET,
  paintSeries,
  RUNS_TARGET,
  type PaintSample,
  type PaintSeries,
} from '../panel/paint.js';
import { skipped, type MetricResult, type Row } from '../report.js';
import { BenchStack } from '../stack.js';
import { summarize } from '../stats.js';

export interface PanelParams {
  /** Runs in the store the panel reads (grown from `baseRuns` real ones by seeding). */
  runs: number;
  baseRuns: number;
  /** Measured loads per view and cache state. */
  loads: number;
  live: LiveParams;
}

const B14 = 'panel first paint with a big store';
const B15 = 'event → DOM update in the panel';
const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

function bundleRow(b: BundleSize, origin: string): Row {
  return {
    id: 'B14',
    metric: `panel bundle (${origin}): first-paint JS / lazy JS / CSS`,
    value:
      `${kb(b.first_paint_js.bytes)} (gzip ${kb(b.first_paint_js.gzip_bytes)}) / ` +
      `${kb(b.lazy_js.bytes)} (gzip ${kb(b.lazy_js.gzip_bytes)}) / ` +
      `${kb(b.css.bytes)} (gzip ${kb(b.css.gzip_bytes)})`,
    ratio: '',
    goal: 'the API serves them uncompressed',
  };
}

function paintRows(s: PaintSeries): Row[] {
  return (['cold', 'warm'] as const).flatMap((cache) => {
    const xs: PaintSample[] = s[cache];
    const dom = summarize(xs.map((x) => x.in_dom_ms));
    const frame = summarize(xs.map((x) => x.next_frame_ms));
    const row: Row = {
      id: 'B14',
      metric: `${s.target.name} (${s.target.hash}) nav start → ${s.target.selector} shown, ${cache} cache`,
      value: `p50 ${dom.p50.toFixed(0)} / max ${dom.max.toFixed(0)} ms in DOM; next frame p50 ${frame.p50.toFixed(0)} / max ${frame.max.toFixed(0)} ms (${xs.length} loads)`,
      ratio: `${(frame.p50 / 1000).toFixed(2)}× goal`,
      goal: '≤ 1 s',
    };
    const dcl = summarize(xs.map((x) => x.dom_content_loaded_ms));
    const fetched = summarize(xs.flatMap((x) => (x.runs_fetch_end_ms === null ? [] : [x.runs_fetch_end_ms])));
    const parts: Row = {
      id: 'B14',
      metric: `  where the time goes (${cache}, p50 since nav start)`,
      value: `DOMContentLoaded ${dcl.p50.toFixed(0)} ms, /workflow-runs answered ${fetched.n ? `${fetched.p50.toFixed(0)} ms` : '-'}`,
      ratio: '',
      goal: 'navigation and resource timing',
    };
    return [row, parts];
  });
}

function seriesData(s: PaintSeries) {
  const sum = (xs: PaintSample[]) => ({
    in_dom_ms: summarize(xs.map((x) => x.in_dom_ms)),
    next_frame_ms: summarize(xs.map((x) => x.next_frame_ms)),
    dom_content_loaded_ms: summarize(xs.map((x) => x.dom_content_loaded_ms)),
    runs_fetch_end_ms: summarize(
      xs.flatMap((x) => (x.runs_fetch_end_ms === null ? [] : [x.runs_fetch_end_ms])),
    ),
    matched: xs.map((x) => x.matched),
  });
  return { target: s.target, cold: sum(s.cold), warm: sum(s.warm) };
}

/**
 * B14 and B15 on one store of `p.runs` finished runs served by a real API (no runner) with the built
 * panel, driven by Debian's chromium. Without chromium both are SKIPPED with the reason.
 */
export async function panelMetrics(
  durability: 'full' | 'relaxed',
  keep: boolean,
  p: PanelParams,
  want: { b14: boolean; b15: boolean },
): Promise<MetricResult[]> {
  const chromium = findChromium();
  if (!chromium) {
    const why = 'chromium is not installed (apt-get install -y chromium)';
    return [...(want.b14 ? [skipped('B14', B14, why)] : []), ...(want.b15 ? [skipped('B15', B15, why)] : [])];
  }
  const dist = panelDist();
  let base: BaseStore | null = null;
  let browser: Browser | null = null;
  let storeDir: string | null = null;
  let stack: BenchStack | null = null;
  try {
    base = await makeBaseStore(durability, p.baseRuns);
    browser = await launchChromium(chromium).catch((err: Error) => {
      throw new Error(`chromium did not start: ${err.message.split('\n')[0]}`);
    });
    const store = storeWithRuns(base, p.runs, 'bench-panel');
    storeDir = store.dir;
    const runs = store.seed?.runs_after ?? base.runs;
    stack = new BenchStack({
      dir: store.dir,
      durability,
      label: 'bench-panel',
      apiEnv: { MULTYAGENTS_UI_DIR: dist.dir },
    });
    await stack.startApi();
    const out: MetricResult[] = [];
    if (want.b14) {
      const bundle = bundleSize(dist.dir);
      const series = [
        await paintSeries(browser, stack.apiUrl, RUNS_TARGET, p.loads),
        await paintSeries(browser, stack.apiUrl, OVERVIEW_TARGET, p.loads),
      ];
      const rendered = series[0].cold[0]?.matched ?? 0;
      out.push({
        id: 'B14',
        title: B14,
        status: 'ok',
        rows: [
          bundleRow(bundle, dist.origin === 'checkout' ? 'packages/ui/dist' : 'built from the sources'),
          {
            id: 'B14',
            metric: 'runs in the store / rows the runs list rendered',
            value: `${runs} / ${rendered}`,
            ratio: '',
            goal: `seeded from ${base.runs} real runs`,
          },
          ...series.flatMap(paintRows),
        ],
        data: {
          runs_in_store: runs,
          rows_rendered: rendered,
          bundle,
          dist: dist.origin,
          series: series.map(seriesData),
        },
      });
    }
    if (want.b15) {
      const live = await eventToDom(browser, stack.apiUrl, stack.client, base.templates.twoStep, p.live);
      const t = live.tally;
      const s = summarize(t.latencies_ms);
      const refetch = summarize(live.refetch_ms);
      const all = t.observed === t.changes;
      out.push({
        id: 'B15',
        title: B15,
        status: all ? 'ok' : 'failed',
        reason: all
          ? undefined
          : `${t.changes - t.observed} created runs never shown: ${t.missing_ids.join(', ')}`,
        rows: [
          {
            id: 'B15',
            metric: `run created (API answer) → its row in the open runs list (${p.live.rate}/s)`,
            value: `p50 ${s.p50.toFixed(0)} / p95 ${s.p95.toFixed(0)} / max ${s.max.toFixed(0)} ms`,
            ratio: `${(s.p95 / 100).toFixed(2)}× goal`,
            goal: 'p95 ≤ 100 ms',
          },
          {
            id: 'B15',
            metric: 'changes shown by the page',
            value: `${t.observed} of ${t.changes}`,
            ratio: '',
            goal: 'must be all',
          },
          {
            id: 'B15',
            metric: '  the list refetches meanwhile (GET /workflow-runs in the page)',
            value: `${refetch.n} refetches, p50 ${refetch.p50.toFixed(0)} / p95 ${refetch.p95.toFixed(0)} ms each`,
            ratio: '',
            goal: 'leading edge: an event fetches at once, events meanwhile fold into one more',
          },
        ],
        data: {
          params: p.live,
          runs_in_store: runs,
          changes: t.changes,
          observed: t.observed,
          missing_ids: t.missing_ids,
          refetch_ms: refetch,
          latency_ms: s,
        },
      });
    }
    return out;
  } finally {
    await browser?.close().catch(() => undefined);
    await stack?.dispose(true);
    if (!keep) {
      if (storeDir) removeStore(storeDir);
      if (base) removeStore(base.dir);
      if (dist.tmp) fs.rmSync(dist.tmp, { recursive: true, force: true });
    }
  }
}
