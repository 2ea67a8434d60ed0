/**
 * Where the product is: the `@multyagents/control-plane` package these drills exercise, found the way
 * Node finds any dependency (the workspace link in the repo, the installed package next to us in a
 * packed install). Drills and benchmarks start it as real processes, so they need its files, not its
 * modules.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

interface ProductManifest {
  version: string;
  bin: { multyagents: string };
}

const require = createRequire(import.meta.url);

export function productRoot(): string {
  return path.dirname(require.resolve('@multyagents/control-plane/package.json'));
}

function manifest(): ProductManifest {
  return require('@multyagents/control-plane/package.json') as ProductManifest;
}

export function productVersion(): string {
  return manifest().version;
}

/** The `multyagents` CLI entry (compiled JavaScript, in the product's dist/). */
export function cliBin(): string {
  return path.resolve(productRoot(), manifest().bin.multyagents);
}
