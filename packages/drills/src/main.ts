/**
 * `multyagents chaos`, the part that lives with the drills: the product's CLI declares the command and
 * its options, then loads this module on use (a dynamic import, so the product builds without it).
 * Progress per drill on stderr, then one JSON document on stdout, then the last line `[chaos] PASS`
 * or `[chaos] FAIL`. Exit 0 only on PASS (1 on FAIL, 2 on a usage error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ChaosUsageError, resolveChaosConfig, type ChaosFlags } from './config.js';
import { runChaos } from './harness.js';
import { DRILLS, findDrills } from './index.js';
import type { Env } from './processes.js';
import { ToxiproxyServer } from './toxiproxyApi.js';
import { finalLine } from './verdict.js';

export type ChaosCommandFlags = ChaosFlags & { toxiproxyApi?: string | boolean };

/** A usage error, printed like the CLI's own (catalogue code USAGE, docs/errors.md), exit 2. */
function usage(message: string): never {
  process.stderr.write(`multyagents chaos: USAGE: ${message}\n`);
  process.exit(2);
}

async function serveToxiproxy(raw: string): Promise<void> {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--toxiproxy-api needs a port, got ${raw}`);
  const server = new ToxiproxyServer();
  const bound = await server.listen(port);
  process.stdout.write(`[chaos] Toxiproxy-compatible API on http://127.0.0.1:${bound} (Ctrl-C to stop)\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export async function chaosCommand(flags: ChaosCommandFlags, env: Env, cwd: string): Promise<void> {
  if (flags.toxiproxyApi !== undefined)
    return serveToxiproxy(flags.toxiproxyApi === true ? '8474' : String(flags.toxiproxyApi));
  let config;
  try {
    config = resolveChaosConfig(flags, env, cwd);
  } catch (err) {
    if (err instanceof ChaosUsageError) usage(err.message);
    throw err;
  }
  if (config.list) {
    for (const d of DRILLS) process.stdout.write(`${d.id.padEnd(36)} ${d.summary}\n`);
    return;
  }
  const { drills, unknown } = findDrills(config.only);
  if (unknown.length) {
    process.stderr.write(
      `multyagents chaos: unknown drill ${unknown.join(', ')} (see multyagents chaos --list)\n`,
    );
    process.exit(2);
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  progress(`[chaos] ${drills.length} drills, seed ${config.seed}`);
  const out = await runChaos({
    drills,
    seed: config.seed,
    timeouts: config.timeouts,
    evidenceRoot: config.evidenceRoot,
    keep: config.keep,
    stateDir: config.stateDir,
    baseEnv: env,
    progress,
    handleSignals: true,
  });
  const json = JSON.stringify(out.report, null, 2);
  if (config.jsonFile) {
    fs.mkdirSync(path.dirname(config.jsonFile), { recursive: true });
    fs.writeFileSync(config.jsonFile, `${json}\n`);
  }
  const s = out.report.summary;
  progress(
    `[chaos] ${s.passed}/${s.total} passed, ${s.failed} failed, ${s.inconclusive} inconclusive in ${(out.wallMs / 1000).toFixed(1)}s; evidence ${out.evidenceDir}`,
  );
  process.stdout.write(`${json}\n${finalLine(s)}\n`);
  process.exitCode = s.overall_status === 'success' ? 0 : 1;
}
