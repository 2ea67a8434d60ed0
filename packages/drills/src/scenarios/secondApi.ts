/**
 * Drill 8 — second_api_same_store. While the first API runs a workflow, a second API is started on
 * the same data dir (another port) — once with the first API's pid file in place, once with the pid
 * file removed (as after a careless cleanup), so the SQLite lock alone must refuse it. Expected: the
 * second process exits non-zero with DATA_DIR_LOCKED and never serves or writes; the first keeps
 * serving, its run completes once per step, and nothing acknowledged changes. Rollback restores the
 * pid file.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { freePort, HOST } from '../stack.js';
import type { Check } from '../types.js';
import { check } from '../verdict.js';
import { waitRunning, waitRunTerminal } from '../workflow.js';
import { endChecks, flowAndRun, startStack } from './common.js';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const secondApiSameStore: Drill = {
  id: 'second_api_same_store',
  name: 'A second API on the same store',
  summary:
    'start a second API on the live data dir (with and without the pid file): refused, the first keeps working',
  timeoutMs: 90_000,
  budgets: () => ({ detection_ms: 10_000, recovery_ms: null }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx);
    const first = stack.api!;
    const run = await flowAndRun(ctx, {
      name: 'second-api',
      steps: [
        { id: 'step1', mock: { duration_ms: 4000 } },
        { id: 'step2', depends_on: ['step1'], mock: { duration_ms: 300 } },
      ],
    });
    const [t1, t2] = run.task_ids as [number, number];
    steady(await waitRunning(stack.client, stack.ledgerFile, t1, 1, 15_000), 'step 1 running');
    const pidFile = path.join(stack.apiDataDir, 'api.pid');
    const checks: Check[] = [];
    const attempts: Array<Record<string, unknown>> = [];
    let refusedAll = true;
    let slowest = 0;
    try {
      for (const variant of ctx.schedule.order as string[]) {
        await ctx.snapshot();
        if (variant === 'pid_file_removed') fs.rmSync(pidFile, { force: true });
        const port = await freePort();
        const at = ctx.injected(
          `second API on the same data dir, port ${port} (${variant.replace(/_/g, ' ')})`,
        );
        const second = stack.spawnExtraApi(port);
        const ended = await second.waitExit(10_000);
        const took = Date.now() - at;
        slowest = Math.max(slowest, took);
        const served = await listening(port);
        if (!ended) await second.kill9();
        const log = second.logTail(2000);
        const refused = ended && second.exit?.code !== 0 && /DATA_DIR_LOCKED/.test(log) && !served;
        refusedAll &&= refused;
        attempts.push({
          variant,
          pid: second.pid,
          exit: second.exit,
          refused_in_ms: took,
          served,
          message: log.trim().split('\n').pop(),
        });
        // Rollback of this variant: the pid file names the first API again.
        if (variant === 'pid_file_removed' && first.running)
          fs.writeFileSync(pidFile, `${first.pid}\n`, { mode: 0o600 });
        const firstOk = first.running && (await stack.client.healthy());
        checks.push(
          check(
            `refused_${variant}`,
            refused,
            `exit ${JSON.stringify(second.exit)}: ${String(attempts[attempts.length - 1]!.message)}`,
          ),
        );
        checks.push(
          check(
            `first_api_serving_after_${variant}`,
            firstOk,
            `first API pid ${first.pid} ${firstOk ? 'healthy' : 'NOT healthy'}`,
          ),
        );
        ctx.log(`${variant}: refused=${refused} in ${took} ms; first API healthy=${firstOk}`);
      }
    } finally {
      if (first.running && !fs.existsSync(pidFile))
        fs.writeFileSync(pidFile, `${first.pid}\n`, { mode: 0o600 });
    }
    ctx.fault.healed = fs.readFileSync(pidFile, 'utf8').trim() === String(first.pid);
    const final = await waitRunTerminal(stack.client, run.run_id, 30_000);
    const h = await ctx.collect();
    ctx.fault.fired = attempts.length === 2 && attempts.every((a) => a.exit !== null);
    const starts = h.events.filter((e) => e.event_type === 'api.started').map((e) => e.payload.pid);
    ctx.details.second_apis = attempts;
    ctx.details.run_status = final;
    return {
      checks: [
        ...checks,
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, [t1, t2]),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'second_api_never_wrote',
          starts.every((p) => p === first.pid),
          `api.started by pids ${starts.join(',')}`,
        ),
        check('pid_file_restored', ctx.fault.healed, `${pidFile} names ${first.pid}`),
        check('all_refused', refusedAll, 'both variants refused'),
      ],
      detection_ms: slowest,
    };
  },
};
