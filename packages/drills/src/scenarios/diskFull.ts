/**
 * disk_full_store. The API's data dir is a small tmpfs (mounted by the drill; root only). Two
 * three-step runs are active when the disk is filled to the last byte, held full for a seeded time,
 * then freed. Expected while full: every /health answers promptly and says `degraded`; a change that
 * cannot be made durable answers 503 STORE_UNAVAILABLE (never a 500, never a hang); the API stays up.
 * After: /health ok again without a restart, the runs complete, every step once, nothing acknowledged
 * lost (creates acknowledged while full included).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { startRun, waitRunning, waitRunTerminal } from '../workflow.js';
import { endChecks, flowAndRun, sleep, startStack } from './common.js';
import { fillDisk, mountTmpfs } from './tmpfs.js';

interface CreateAnswer {
  id?: number;
  task_ids?: number[];
  code?: string;
}

const TMPFS_SIZE = '48m';
/** A /health slower than this while the disk is full counts as hanging. */
const HEALTH_PROMPT_MS = 2_000;

export const diskFullStore: Drill = {
  id: 'disk_full_store',
  name: 'disk full under the API store',
  summary:
    "fill the store's file system during two runs, hold, free it: 503s and degraded health, no hang, then completion",
  timeoutMs: 120_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    // Mounting a tmpfs needs root: elsewhere the drill cannot judge anything (inconclusive, not a pass).
    if (process.getuid?.() !== 0)
      return {
        checks: [
          inconclusiveCheck('needs_root', 'disk_full_store mounts a tmpfs under the data dir: run as root'),
        ],
      };
    mountTmpfs(stack, stack.apiDataDir, TMPFS_SIZE);
    await startStack(ctx, 1, 2);
    const step = (id: string, deps: string[] = []) => ({ id, depends_on: deps, mock: { duration_ms: 800 } });
    const first = await flowAndRun(ctx, {
      name: 'diskfull',
      steps: [step('a'), step('b', ['a']), step('c', ['b'])],
    });
    const templateId = ctx.details.template_id as number;
    ctx.created.push(await startRun(stack.client, templateId));
    steady(
      await waitRunning(stack.client, stack.ledgerFile, first.task_ids[0]!, 1, 15_000),
      'step a running',
    );
    await ctx.snapshot();

    const filler = path.join(stack.apiDataDir, 'filler.bin');
    const filledAt = ctx.injected('disk under the store filled');
    const filled = fillDisk(filler);
    const holdMs = ctx.num('hold_ms');
    const statuses: Record<string, number> = {};
    const badAnswers: string[] = [];
    let healthMaxMs = 0;
    let degradedSeen = false;
    let acknowledgedWhileFull = 0;
    while (Date.now() - filledAt < holdMs) {
      const t0 = Date.now();
      const h = await stack.client
        .call('GET', '/health')
        .catch((e: unknown) => ({ status: 0, body: String(e) }));
      healthMaxMs = Math.max(healthMaxMs, Date.now() - t0);
      if (h.status === 200 && (h.body as { status?: string }).status === 'degraded') degradedSeen = true;
      if (h.status !== 200) badAnswers.push(`health ${h.status}`);
      const c = await stack.client
        .call<CreateAnswer>('POST', '/workflow-runs', {
          workflow_template_id: templateId,
        })
        .catch((e: unknown) => ({ status: 0, body: { code: String(e) } as CreateAnswer }));
      statuses[c.status] = (statuses[c.status] ?? 0) + 1;
      if (c.status === 200 && c.body.id !== undefined) {
        ctx.created.push({ run_id: c.body.id, task_ids: c.body.task_ids ?? [] });
        acknowledgedWhileFull++;
      } else if (c.status !== 503 || c.body.code !== 'STORE_UNAVAILABLE')
        badAnswers.push(`create ${c.status} ${JSON.stringify(c.body).slice(0, 120)}`);
      await sleep(100);
    }
    const refused = statuses['503'] ?? 0;
    ctx.fault.fired = refused > 0;
    fs.rmSync(filler, { force: true });
    const freedAt = Date.now();
    ctx.log(
      `disk full for ${freedAt - filledAt} ms (${filled} B filler): creates ${JSON.stringify(statuses)}`,
    );
    let okAgainMs: number | null = null;
    for (let i = 0; i < 150 && okAgainMs === null; i++) {
      const h = await stack.client.call('GET', '/health').catch(() => null);
      if (h?.status === 200 && (h.body as { status?: string }).status === 'ok')
        okAgainMs = Date.now() - freedAt;
      else await sleep(100);
    }
    ctx.fault.healed = okAgainMs !== null;
    for (const r of ctx.created) await waitRunTerminal(stack.client, r.run_id, 60_000);
    const h = await ctx.collect();
    const apiAlive = stack.api?.exit === null;
    ctx.details.filler_bytes = filled;
    ctx.details.create_statuses = statuses;
    ctx.details.health_max_ms = healthMaxMs;
    ctx.details.acknowledged_while_full = acknowledgedWhileFull;
    ctx.details.health_ok_after_free_ms = okAgainMs;
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(
          h,
          ctx.created.flatMap((r) => r.task_ids),
        ),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'refused_with_503',
          badAnswers.length === 0 && refused > 0,
          badAnswers.length
            ? `unexpected answers while full: ${badAnswers.slice(0, 5).join('; ')}`
            : `${refused} creates refused with 503 STORE_UNAVAILABLE, ${acknowledgedWhileFull} acknowledged`,
        ),
        check(
          'health_prompt',
          healthMaxMs < HEALTH_PROMPT_MS,
          `slowest /health while full: ${healthMaxMs} ms (limit ${HEALTH_PROMPT_MS} ms)`,
        ),
        check(
          'health_degraded_while_full',
          degradedSeen,
          degradedSeen ? '/health said degraded' : '/health never said degraded',
        ),
        check(
          'api_stayed_up',
          apiAlive,
          apiAlive ? 'the API process never exited' : `the API exited: ${JSON.stringify(stack.api?.exit)}`,
        ),
      ],
      recovery_ms: okAgainMs ?? undefined,
    };
  },
};
