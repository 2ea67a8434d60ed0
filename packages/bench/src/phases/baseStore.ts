import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ThroughputResult } from '../load.js';
import { seedFinishedRuns, type SeedResult } from '../seed.js';
import { BenchStack } from '../stack.js';
import { runWorker } from '../workers.js';
import { createTemplates, type Templates } from '../workloads.js';

/** A small store of real finished runs (written by a real API and runner) that B6/B7 copy and grow. */
export interface BaseStore {
  dir: string;
  templates: Templates;
  runs: number;
}

export async function makeBaseStore(durability: 'full' | 'relaxed', runs: number): Promise<BaseStore> {
  const stack = new BenchStack({ durability, label: 'bench-base' });
  try {
    await stack.startApi();
    await stack.addRunner({ capacity: 64 });
    const templates = await createTemplates(stack.client);
    const r = await runWorker<ThroughputResult>('throughput', {
      url: stack.apiUrl,
      templateId: templates.twoStep,
      runs,
      window: 16,
      pollMs: 20,
      timeoutMs: 300_000,
    });
    if (r.succeeded !== runs) throw new Error(`base store: ${r.succeeded} of ${runs} runs succeeded`);
    await stack.stop();
    return { dir: stack.dir, templates, runs };
  } finally {
    await stack.dispose(true);
  }
}

/** A copy of the base store (database and runner token only) grown to `runs` finished runs. */
export function storeWithRuns(
  base: BaseStore,
  runs: number,
  label: string,
): { dir: string; seed: SeedResult | null; dbBytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `multyagents-${label}-`));
  fs.copyFileSync(path.join(base.dir, 'multyagents.db'), path.join(dir, 'multyagents.db'));
  fs.copyFileSync(path.join(base.dir, 'runner-token'), path.join(dir, 'runner-token'));
  const seed = runs > base.runs ? seedFinishedRuns(path.join(dir, 'multyagents.db'), runs) : null;
  return { dir, seed, dbBytes: fs.statSync(path.join(dir, 'multyagents.db')).size };
}

export function removeStore(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
