/**
 * The greedy agent of `agent_out_of_memory`: a preload (`NODE_OPTIONS=--require …`) given to the
 * drill's runner, so every node process the runner starts loads it. It does nothing except in the
 * mock agent of a step whose `executor_params.mock.drill_greedy` is true (the mock agent ignores
 * unknown keys): there, once the agent has started (its ledger line is written synchronously by the
 * agent's main, before any timer fires), it allocates and touches 16 MiB every few milliseconds until
 * the kernel kills it. Outside a memory limit it would take the host down: only used under one.
 */
import fs from 'node:fs';
import path from 'node:path';

const PRELOAD = `'use strict';
(() => {
  const argv1 = process.argv[1] || '';
  const params = process.env.MULTYAGENTS_MOCK_PARAMS;
  if (!params || !/mockAgent\\.[cm]?js$/.test(argv1)) return;
  let greedy = false;
  try {
    const p = JSON.parse(params);
    greedy = !!(p && p.mock && p.mock.drill_greedy === true);
  } catch {
    return;
  }
  if (!greedy) return;
  const held = [];
  const grow = () => {
    // allocUnsafe + fill: the pages are touched, so they are charged (alloc could map zero pages lazily).
    held.push(Buffer.allocUnsafe(16 << 20).fill(0x5a));
    setTimeout(grow, 2);
  };
  setTimeout(grow, 0);
})();
`;

/** Write the preload into `dir`; returns the NODE_OPTIONS that load it (after what `base` had). */
export function writeGreedyPreload(dir: string, base: string | undefined): string {
  const file = path.join(dir, 'greedy-agent-preload.cjs');
  fs.writeFileSync(file, PRELOAD, { mode: 0o600 });
  return [base, `--require ${JSON.stringify(file)}`].filter(Boolean).join(' ');
}
