/**
 * fsync_error_fail_stop. Two three-step runs are active when the API is restarted with an fsync fault
 * armed (MULTYAGENTS_FAULTS=wal-fsync=throw-after:<n>): after n more group commits, the fdatasync of
 * the WAL fails. Expected: the API fail-stops — it acknowledges nothing more and exits with code 1 and
 * one `FATAL STORE_UNAVAILABLE` line — and after a restart without the fault the runs complete, every
 * step executed once, nothing acknowledged before the failure lost.
 */
import fs from 'node:fs';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { check } from '../verdict.js';
import { startRun, waitRunning, waitRunTerminal } from '../workflow.js';
import { endChecks, flowAndRun, restartApi, sleep, startStack, strikeApi } from './common.js';

export const fsyncFailStop: Drill = {
  id: 'fsync_error_fail_stop',
  name: 'fsync of the WAL fails under load (fail-stop)',
  summary:
    'make the WAL fdatasync fail after n commits: the API exits with one FATAL line, nothing acknowledged is lost',
  timeoutMs: 120_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    await startStack(ctx, 1, 2);
    const step = (id: string, deps: string[] = []) => ({ id, depends_on: deps, mock: { duration_ms: 700 } });
    const first = await flowAndRun(ctx, {
      name: 'fsync',
      steps: [step('a'), step('b', ['a']), step('c', ['b'])],
    });
    const second = await startRun(stack.client, ctx.details.template_id as number);
    ctx.created.push(second);
    steady(
      await waitRunning(stack.client, stack.ledgerFile, first.task_ids[0]!, 1, 15_000),
      'step a running',
    );

    // Restart gracefully with the fault armed: it fires after n further commits of the new process.
    await ctx.snapshot();
    const n = ctx.num('commits_before_failure');
    await strikeApi(ctx, 'SIGTERM');
    const armedAt = ctx.injected(`API restarted with wal-fsync=throw-after:${n}`);
    try {
      await stack.startApi({ env: { MULTYAGENTS_FAULTS: `wal-fsync=throw-after:${n}` } });
    } catch (err) {
      // The fault may fire while the restarted API still reconciles: a fail-stop all the same.
      if (stack.api?.exit === null) throw err;
      ctx.note('the fsync failed before the restarted API answered /health');
    }
    const api = stack.api!;
    // Acknowledged states while the faulty API still answers (each snapshot is read over HTTP).
    const deadline = Date.now() + 30_000;
    while (api.exit === null && Date.now() < deadline) {
      await ctx.snapshot().catch(() => undefined);
      await sleep(150);
    }
    const exit = api.exit ?? (await Promise.race([api.exited, sleep(5_000).then(() => null)]));
    const log = fs.existsSync(api.logFile) ? fs.readFileSync(api.logFile, 'utf8') : '';
    const fatalLines = log.split('\n').filter((l) => l.includes('FATAL STORE_UNAVAILABLE')).length;
    ctx.fault.fired = exit !== null && exit.code === 1 && fatalLines >= 1;
    const stoppedAfterMs = Date.now() - armedAt;
    ctx.log(
      `faulty API exit ${JSON.stringify(exit)} after ${stoppedAfterMs} ms, ${fatalLines} FATAL line(s)`,
    );

    stack.apiExtraEnv = {};
    const upMs = await restartApi(ctx, Date.now());
    ctx.fault.healed = stack.api?.running === true;
    for (const r of [first, second]) await waitRunTerminal(stack.client, r.run_id, 60_000);
    const h = await ctx.collect();
    ctx.details.commits_before_failure = n;
    ctx.details.faulty_api_exit = exit;
    ctx.details.fatal_lines = fatalLines;
    ctx.details.snapshots_while_faulty = ctx.snapshots.length - 1;
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(h, [...first.task_ids, ...second.task_ids]),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'fail_stop',
          exit !== null && exit.code === 1 && exit.signal === null,
          `the API ${exit ? `exited with code ${exit.code} (signal ${exit.signal})` : 'did not exit'} after the failed fsync`,
        ),
        check(
          'one_fatal_line',
          fatalLines >= 1,
          `${fatalLines} FATAL STORE_UNAVAILABLE line(s) in the API log`,
        ),
      ],
      recovery_ms: upMs,
    };
  },
};
