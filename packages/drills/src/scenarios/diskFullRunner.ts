/**
 * disk_full_runner_journal. Runner 1's data dir (its journal runner.db, attempts/, logs/) is a small
 * tmpfs (mounted by the drill; root only); runner 2 has a normal disk. Two runs of four parallel steps
 * and a join keep both runners busy when the tmpfs is filled to the last byte, held full for a seeded
 * time while the drill keeps starting runs, then freed.
 *
 * Expected while full: runner 1 stays up and answers /health; it keeps heartbeating (never declared
 * unreachable); a submit it cannot journal is refused as busy (429 RUNNER_JOURNAL_FULL: the API places
 * the task again, no retry spent) — never accepted-then-lost, never a 5xx that fails the step. After:
 * each attempt that was running on runner 1 at the fill reaches exactly one terminal outcome at the API
 * (success, same attempt: nothing lost, nothing retried), every run completes, every step once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../client.js';
import type { Drill } from '../drill.js';
import { steady } from '../drill.js';
import { acknowledgedDurable, executedExactlyOnce } from '../oracles.js';
import { waitUntil } from '../procinfo.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { startRun, waitRunTerminal } from '../workflow.js';
import { endChecks, eventsOf, flowAndRun, sleep, startStack } from './common.js';
import { fillDisk, mountTmpfs } from './tmpfs.js';

const TMPFS_SIZE = '16m';
/** Task ids of the drill's own submits straight to runner 1: far above anything the API creates. */
const PROBE_TASK = 900_000;
/** A runner /health slower than this while its disk is full counts as hanging. */
const HEALTH_PROMPT_MS = 2_000;

interface RunnerHealth {
  running?: number;
  capacity?: number;
  error?: string;
}

interface HeldAttempt {
  task_id: number;
  attempt: number;
  status: string;
}

export const diskFullRunnerJournal: Drill = {
  id: 'disk_full_runner_journal',
  name: "disk full under a runner's journal",
  summary:
    "fill one runner's data dir during two runs, hold, free it: the runner stays up, refuses as busy, loses no report",
  timeoutMs: 120_000,
  budgets: () => ({ detection_ms: null, recovery_ms: 15_000 }),
  async run(ctx) {
    const { stack } = ctx;
    if (process.getuid?.() !== 0)
      return {
        checks: [
          inconclusiveCheck(
            'needs_root',
            'disk_full_runner_journal mounts a tmpfs over a runner data dir: run as root',
          ),
        ],
      };
    // The stack names runner i's data dir runner-<i+1>: mounted before the runner first opens it.
    const dir = path.join(stack.dataDir, 'runner-1');
    mountTmpfs(stack, dir, TMPFS_SIZE);
    await startStack(ctx, 2, 2);
    const target = stack.runners[0]!;
    steady(target.dataDir === dir, 'runner 1 lives on the tmpfs');
    const direct = new ApiClient(target.url, 3000, { 'x-runner-token': stack.runnerToken() });
    const stepMs = ctx.num('step_ms');
    const par = ['p1', 'p2', 'p3', 'p4'];
    const first = await flowAndRun(ctx, {
      name: 'rjdisk',
      steps: [
        ...par.map((id) => ({ id, mock: { duration_ms: stepMs } })),
        { id: 'join', depends_on: par, mock: { duration_ms: 300 } },
      ],
    });
    const templateId = ctx.details.template_id as number;
    ctx.created.push(await startRun(stack.client, templateId));
    // Runner 1 must hold running attempts when its disk fills (their reports are what is at stake).
    let held: HeldAttempt[] = [];
    steady(
      await waitUntil(
        async () => {
          const a = await direct.get<{ attempts: HeldAttempt[] }>('/tasks');
          held = a.attempts.filter((x) => x.status === 'running');
          return held.length > 0;
        },
        15_000,
        20,
      ),
      `runner 1 runs an attempt (run ${first.run_id})`,
    );
    await ctx.snapshot();

    const filler = path.join(dir, 'filler.bin');
    const filledAt = ctx.injected(`disk under ${target.name}'s data dir filled`);
    const filled = fillDisk(filler);
    held = (await direct.get<{ attempts: HeldAttempt[] }>('/tasks')).attempts.filter(
      (x) => x.status === 'running',
    );
    const holdMs = ctx.num('hold_ms');
    let healthMaxMs = 0;
    const badHealth: string[] = [];
    let creates = 0;
    const probes: Array<{ task_id: number; status: number; code: string | null }> = [];
    // The drill's own submit, as the API would send it: must be refused with the code, never accepted.
    const probe = async () => {
      const taskId = PROBE_TASK + probes.length + 1;
      const a = await direct
        .call<{ code?: string }>('POST', '/tasks/submit', {
          task_id: taskId,
          attempt: 1,
          run_id: null,
          prompt: 'disk full probe',
          execution_mode: 'no-workspace',
          timeout_seconds: 60,
          status_callback_url: `${stack.apiUrl}/runner/tasks/${taskId}/status`,
          status_callback_token: 'probe-token-0123456789',
          executor_params: { mock: { duration_ms: 10 } },
        })
        .catch((e: unknown) => ({ status: 0, body: { code: String(e) } }));
      probes.push({ task_id: taskId, status: a.status, code: a.body.code ?? null });
    };
    while (Date.now() - filledAt < holdMs) {
      const t0 = Date.now();
      const h = await direct
        .call<RunnerHealth>('GET', '/health')
        .catch((e: unknown) => ({ status: 0, body: { error: String(e) } as RunnerHealth }));
      healthMaxMs = Math.max(healthMaxMs, Date.now() - t0);
      if (h.status !== 200) badHealth.push(`runner health ${h.status}`);
      // Once the attempts it held have ended (a full runner answers RUNNER_AT_CAPACITY first).
      const free = h.status === 200 && (h.body.running ?? 0) < (h.body.capacity ?? 0);
      if (free && probes.length < 3) await probe();
      if (creates < 6) {
        ctx.created.push(await startRun(stack.client, templateId));
        creates++;
      }
      await sleep(250);
    }
    const aliveWhileFull = target.proc.running;
    fs.rmSync(filler, { force: true });
    const freedAt = Date.now();
    ctx.fault.healed = true;
    ctx.log(`disk full for ${freedAt - filledAt} ms (${filled} B filler); ${held.length} attempts held`);
    // Recovery: every attempt runner 1 was running at the fill is terminal at the API.
    let recoveredMs: number | null = null;
    await waitUntil(
      async () => {
        const views = await Promise.all(
          held.map((a) => stack.client.get<{ status: string }>(`/tasks/${a.task_id}`)),
        );
        const done = views.every((v) => ['success', 'failed', 'canceled'].includes(v.status));
        if (done) recoveredMs = Date.now() - freedAt;
        return done;
      },
      30_000,
      50,
    );
    for (const r of ctx.created) await waitRunTerminal(stack.client, r.run_id, 60_000);
    // Refused means never journaled: not listed by runner 1 after the disk came back, never run.
    const probeKnown = await Promise.all(
      probes.map((p) => direct.call('GET', `/tasks/${p.task_id}`).then((a) => a.status !== 404)),
    );
    await direct.close();
    const h = await ctx.collect();
    const probeRan = h.ledger.filter((l) => l.task_id > PROBE_TASK).length;
    const probesOk =
      probes.length > 0 &&
      probes.every((p) => p.status === 429 && p.code === 'RUNNER_JOURNAL_FULL') &&
      !probeKnown.some(Boolean) &&
      probeRan === 0;
    const log = fs.existsSync(path.join(ctx.dir, 'runner-1.log'))
      ? fs.readFileSync(path.join(ctx.dir, 'runner-1.log'), 'utf8')
      : '';
    const journalFailures = log.split('\n').filter((l) => /journal commit failed|SQLITE_FULL/.test(l)).length;
    const onTarget = (e: { payload: Record<string, unknown> }) => e.payload.runner_url === target.url;
    const refusals = eventsOf(h, (e) => e.event_type === 'task.runner_submit_failed' && onTarget(e));
    const badRefusals = refusals.filter((e) => e.payload.kind !== 'capacity');
    const unreachable = eventsOf(
      h,
      (e) =>
        (['runner.unreachable', 'runner.offline'].includes(e.event_type) &&
          e.payload.runner_id === target.id) ||
        e.event_type === 'task.runner_lost',
    );
    const heldOutcomes = held.map((a) => {
      const t = h.tasks.find((x) => x.id === a.task_id);
      return { ...a, final: t?.status ?? 'missing', final_attempt: t?.attempt ?? null };
    });
    const heldOk = heldOutcomes.every((a) => a.final === 'success' && a.final_attempt === a.attempt);
    ctx.fault.fired = journalFailures > 0 || refusals.length > 0;
    ctx.details.filler_bytes = filled;
    ctx.details.held_at_fill = heldOutcomes;
    ctx.details.runner_health_max_ms = healthMaxMs;
    ctx.details.journal_failures_logged = journalFailures;
    ctx.details.submits_refused = refusals.length;
    ctx.details.direct_submits = probes;
    ctx.details.runs_started_while_full = creates;
    ctx.details.held_terminal_after_free_ms = recoveredMs;
    const alive = target.proc.exit === null;
    return {
      checks: [
        ...endChecks(ctx, h, 'success'),
        executedExactlyOnce(
          h,
          ctx.created.flatMap((r) => r.task_ids),
        ),
        acknowledgedDurable(ctx.snapshots, h),
        check(
          'runner_stayed_up',
          aliveWhileFull && alive && badHealth.length === 0,
          alive && aliveWhileFull
            ? `runner 1 never exited; /health ${badHealth.length ? badHealth.slice(0, 3).join('; ') : 'always 200'}`
            : `runner 1 exited: ${JSON.stringify(target.proc.exit)}`,
        ),
        check(
          'runner_health_prompt',
          healthMaxMs < HEALTH_PROMPT_MS,
          `slowest runner /health while full: ${healthMaxMs} ms (limit ${HEALTH_PROMPT_MS} ms)`,
        ),
        check(
          'refused_as_busy',
          badRefusals.length === 0,
          badRefusals.length
            ? `submits refused otherwise than as busy: ${badRefusals
                .slice(0, 3)
                .map((e) => JSON.stringify(e.payload).slice(0, 200))
                .join('; ')}`
            : `${refusals.length} submits to runner 1 refused as busy (429), none failed`,
        ),
        check(
          'submit_refused_not_journaled',
          probesOk,
          `direct submits while full: ${JSON.stringify(probes)}; known to runner 1 afterwards: ${probeKnown
            .map(String)
            .join(', ')}; executed: ${probeRan}`,
        ),
        check(
          'held_attempts_reported_once',
          held.length > 0 && heldOk,
          `attempts running on runner 1 at the fill: ${JSON.stringify(heldOutcomes)}`,
        ),
        check(
          'runner_never_lost',
          unreachable.length === 0,
          unreachable.length
            ? `${unreachable.map((e) => e.event_type).join(', ')}`
            : 'no runner.unreachable for runner 1, no task.runner_lost',
        ),
      ],
      recovery_ms: recoveredMs,
    };
  },
};
