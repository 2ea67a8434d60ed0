/**
 * Drill 21 — torn_wal_tail. A two-step run is active and a load of operator writes (role creates)
 * runs; the API is killed with kill -9 in the middle of it. While it is down, a torn tail is appended
 * to its store's WAL — the bytes of a write the crash interrupted (seeded: a partial frame, or a whole
 * frame whose checksum does not chain plus a partial one). Nothing already in the WAL is touched: a torn
 * tail is the last, never-acknowledged write; truncating inside a committed frame would be media damage,
 * a different fault. Then the API is started again.
 * Expected: it starts and serves; its log says it recovered from a torn WAL tail (how many bytes, the
 * valid prefix kept); everything acknowledged before the kill is there (events, states, every
 * acknowledged write); the run succeeds, each step once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { startLoad } from '../load.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { mulberry32 } from '../rng.js';
import { check } from '../verdict.js';
import { tornTail, walFrameSize, type TornKind } from '../walFault.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { endChecks, flowAndRun, sleep, startStack, strikeApi } from './common.js';

const RECOVERED = 'store recovered from a torn WAL tail';

export const tornWalTail: Drill = {
  id: 'torn_wal_tail',
  name: 'Torn WAL tail after kill -9 during writes',
  summary: 'kill -9 the API mid-write, append a torn frame to its WAL: recovers the valid prefix and says so',
  timeoutMs: 90_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx);
    const run = await flowAndRun(ctx, {
      name: 'torn-wal',
      steps: [
        { id: 'step1', mock: { duration_ms: 3000, lines: ['step1 done'] } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300 } },
      ],
    });
    steady(await waitRunning(stack.client, stack.ledgerFile, run.task_ids[0]!, 1, 15_000), 'step 1 running');
    const load = startLoad(stack.client, {
      paths: ['/health'],
      workers: 1,
      pauseMs: 5,
      write: { path: '/roles', body: (k) => ({ name: `torn-${k}`, system_prompt: 'load' }) },
    });
    const walFile = path.join(stack.apiDataDir, 'multyagents.db-wal');
    let appended = 0;
    let walBefore = 0;
    let killedAt = 0;
    let killed = false;
    try {
      await sleep(ctx.num('kill_after_running_ms'));
      await ctx.snapshot();
      const s = await strikeApi(ctx, 'SIGKILL');
      killed = s.ok;
      killedAt = s.at;
    } finally {
      await load.stop();
    }
    const wal = fs.readFileSync(walFile);
    walBefore = wal.length;
    const kind = ctx.str<TornKind>('tail');
    const tail = tornTail(wal, kind, ctx.num('garbage_bytes'), mulberry32(ctx.num('garbage_seed')));
    fs.appendFileSync(walFile, tail);
    appended = tail.length;
    ctx.injected(
      `torn WAL tail (${kind}): ${appended} bytes appended to ${path.basename(walFile)} (${walBefore} bytes)`,
    );
    const logFile = path.join(ctx.dir, 'api.log');
    const logFrom = fs.statSync(logFile).size;
    await stack.startApi();
    const upMs = Date.now() - killedAt;
    ctx.fault.healed = stack.api?.running === true;
    const final = await waitRunTerminal(stack.client, run.run_id, 45_000);
    ctx.log(`run ${run.run_id} ended ${final}`);
    const h = await ctx.collect();

    const logAfter = fs.readFileSync(logFile, 'utf8').slice(logFrom);
    const line = logAfter.split('\n').find((l) => l.includes(RECOVERED)) ?? null;
    let said: { torn_bytes?: number; kept_frames?: number; commits?: number; reasons?: string[] } = {};
    try {
      said = line ? (JSON.parse(line) as typeof said) : {};
    } catch {
      /* a plain-text line still says so */
    }
    const missing: number[] = [];
    for (const w of load.acknowledged) {
      const a = await stack.client.call('GET', `/roles/${w.id}`).catch(() => null);
      if (!a || a.status !== 200) missing.push(w.id);
    }
    const acksJustBefore = load.samples.filter(
      (x) => x.method === 'POST' && x.status !== null && x.status < 300 && x.answered >= killedAt - 500,
    ).length;
    ctx.fault.fired = killed && appended > 0 && line !== null;
    ctx.details.wal = {
      file: walFile,
      bytes_before: walBefore,
      frame_size: walFrameSize(wal),
      kind,
      appended,
      recovery_log: said,
    };
    ctx.details.load = {
      acknowledged_writes: load.acknowledged.length,
      acknowledged_in_last_500ms_before_kill: acksJustBefore,
    };
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, run.task_ids),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'says_it_recovered',
          line !== null && (said.torn_bytes === undefined || said.torn_bytes >= appended),
          line
            ? `API log: ${RECOVERED} — torn ${String(said.torn_bytes)} bytes (${(said.reasons ?? []).join(', ')}), kept ${String(said.kept_frames)} frames / ${String(said.commits)} commits`
            : 'the restarted API logged nothing about the torn tail',
        ),
        check(
          'acknowledged_writes_kept',
          missing.length === 0 && load.acknowledged.length > 0,
          `${load.acknowledged.length} acknowledged role creates (${acksJustBefore} in the last 500 ms before the kill), ${missing.length} missing`,
        ),
      ],
      recovery_ms: upMs,
    };
  },
};
