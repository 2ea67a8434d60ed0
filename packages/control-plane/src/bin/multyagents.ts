#!/usr/bin/env node
/**
 * Entry point. The two long-running processes (`api`, `runner`) load only their own code — from the
 * bundle in dist/bundle when it is fresh (bundle.ts), else from dist/ — so that a restart after a
 * crash does not pay for loading the drills, benchmarks and launcher, nor for ~500 module files.
 */
import { loadBundled, type Foreground } from './bundle.js';

async function foreground(name: 'api' | 'runner'): Promise<void> {
  // The one setting read before any config module can be loaded: it chooses which code to load.
  const bundled = loadBundled(name, process.env.MULTYAGENTS_BUNDLE);
  const entry: Foreground =
    bundled?.entry ?? (name === 'api' ? await import('./api.js') : await import('./runner.js'));
  await entry.main(process.argv);
  bundled?.afterStart();
}

async function run(): Promise<void> {
  const name = process.argv[2];
  if (name === 'api' || name === 'runner') return foreground(name);
  const { main } = await import('../cli/main.js');
  await main(process.argv);
}

run().catch((err: unknown) => {
  process.stderr.write(`multyagents: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
