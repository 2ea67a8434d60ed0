/**
 * The proxied topology: every byte between the API and the runners crosses a fault proxy of ours.
 *
 *   runner i ──(--api)──▶ [runner-i→api] ──▶ API        registration, heartbeats
 *   runner i ──(callback URL)──▶ [callbacks→api] ──▶ API   status reports and logs (the API's public URL)
 *   API ──(runner's --public-url)──▶ [api→runner-i] ──▶ runner i   submits, reconciliation, cancels
 *
 * A partition of runner i cuts its two proxies and the callbacks proxy, so nothing gets through in
 * either direction; healing restores them. The drill talks to the API directly (not proxied).
 */
import type { DrillContext } from '../drill.js';
import type { FaultProxy } from '../proxy.js';
import { freePort } from '../stack.js';

export interface RunnerLinks {
  toApi: FaultProxy;
  toRunner: FaultProxy;
}

export interface Links {
  callbacks: FaultProxy;
  runners: RunnerLinks[];
}

export type CutMode = 'blackhole' | 'down';

export async function startProxiedStack(ctx: DrillContext, runners: number, capacity = 2): Promise<Links> {
  const { stack } = ctx;
  stack.apiPort = await freePort();
  const callbacks = await stack.proxy('callbacks→api', stack.apiPort);
  await stack.startApi({ publicUrl: callbacks.url });
  const out: Links = { callbacks, runners: [] };
  for (let i = 0; i < runners; i++) {
    const port = await freePort();
    const toApi = await stack.proxy(`runner-${i + 1}→api`, stack.apiPort);
    const toRunner = await stack.proxy(`api→runner-${i + 1}`, port);
    await stack.startRunner(i, { port, capacity, apiUrl: toApi.url, publicUrl: toRunner.url });
    out.runners.push({ toApi, toRunner });
  }
  return out;
}

function partitioned(links: Links, i: number): FaultProxy[] {
  return [links.runners[i]!.toApi, links.runners[i]!.toRunner, links.callbacks];
}

export async function cut(links: Links, i: number, mode: CutMode): Promise<void> {
  for (const p of partitioned(links, i)) {
    if (mode === 'down') await p.disable();
    else {
      p.addToxic({ name: 'partition_up', type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
      p.addToxic({
        name: 'partition_down',
        type: 'timeout',
        stream: 'downstream',
        attributes: { timeout: 0 },
      });
    }
  }
}

export async function heal(links: Links, i: number, mode: CutMode): Promise<void> {
  for (const p of partitioned(links, i)) {
    if (mode === 'down') await p.enable();
    else {
      p.removeToxic('partition_up');
      p.removeToxic('partition_down');
    }
  }
}

export function allProxies(links: Links): FaultProxy[] {
  return [links.callbacks, ...links.runners.flatMap((r) => [r.toApi, r.toRunner])];
}

export function proxyStats(links: Links): Record<string, unknown> {
  return Object.fromEntries(allProxies(links).map((p) => [p.name, { ...p.stats }]));
}

/** When the API last heard from runner `id` (direct, not proxied). */
export async function lastSeen(
  ctx: DrillContext,
  id: number | null,
): Promise<{ at: number; liveness: string }> {
  const list =
    await ctx.stack.client.get<Array<{ id: number; last_seen_at: string; liveness: string }>>('/runners');
  const r = list.find((x) => x.id === id);
  return { at: r ? Date.parse(r.last_seen_at) : 0, liveness: r?.liveness ?? 'missing' };
}
