#!/usr/bin/env node
import { main } from '../cli/main.js';

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`multyagents: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
