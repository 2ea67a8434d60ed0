import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { processEnv } from '../../config/env.js';
import { ChaosUsageError, resolveChaosConfig, type ChaosFlags } from '../../drills/config.js';
import { runChaos } from '../../drills/harness.js';
import { DRILLS, findDrills } from '../../drills/index.js';
import { ToxiproxyServer } from '../../drills/toxiproxyApi.js';
import { finalLine } from '../../drills/verdict.js';

async function serveToxiproxy(raw: string): Promise<void> {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`multyagents chaos: --toxiproxy-api needs a port, got ${raw}\n`);
    process.exit(2);
  }
  const server = new ToxiproxyServer();
  const bound = await server.listen(port);
  process.stdout.write(`[chaos] Toxiproxy-compatible API on http://127.0.0.1:${bound} (Ctrl-C to stop)\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * `multyagents chaos`: progress per drill on stderr, then one JSON document on stdout, then the last
 * line `[chaos] PASS` or `[chaos] FAIL`. Exit 0 only on PASS (1 on FAIL, 2 on a usage error).
 */
export function registerChaosCommand(program: Command): void {
  program
    .command('chaos')
    .description(
      'break a private API + runners on purpose during active runs and prove the outcome (see docs/drills.md)',
    )
    .option('--only <ids>', 'run only these drills (comma-separated ids; see --list)')
    .option('--seed <n>', 'seed of the fault schedule (default 1; the same seed replays the same schedule)')
    .option('--json <file>', 'also write the JSON report to this file')
    .option('--list', 'list the drills and exit')
    .option(
      '--keep',
      "keep every drill's data dir (store, runner journals), not only those of drills that did not pass",
    )
    .option(
      '--evidence-dir <dir>',
      'where the per-invocation evidence folder is created (default .multyagents/chaos)',
    )
    .option(
      '--toxiproxy-api [port]',
      'instead of drills: serve the fault proxy with a Toxiproxy-compatible HTTP API on 127.0.0.1 (default 8474)',
    )
    .action(async (flags: ChaosFlags & { toxiproxyApi?: string | boolean }) => {
      if (flags.toxiproxyApi !== undefined)
        return serveToxiproxy(flags.toxiproxyApi === true ? '8474' : String(flags.toxiproxyApi));
      const env = processEnv();
      let config;
      try {
        config = resolveChaosConfig(flags, env, process.cwd());
      } catch (err) {
        if (err instanceof ChaosUsageError) {
          process.stderr.write(`multyagents chaos: ${err.message}\n`);
          process.exit(2);
        }
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
    });
}
