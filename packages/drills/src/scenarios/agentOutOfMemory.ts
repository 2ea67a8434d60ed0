/**
 * Drill 25 — agent_out_of_memory. One runner (capacity 2), moved into a memory cgroup of the drill's
 * own (cgroup v1, root only) whose limit fits the runner plus a normal agent with room to spare. A run
 * of three normal steps (a → b → c) is under way when a second run's single step starts an agent that
 * allocates until the kernel's OOM killer kills it (the largest process in the cgroup). Its role
 * retries `unknown` failures 0 or 1 times (seeded). Afterwards a third run is started on the same runner.
 * Fired when: the cgroup's `oom_kill` counter rose, once per greedy attempt.
 * Expected: the runner survives (same pid, /health 200) and keeps serving (run 3 succeeds); every
 * greedy attempt ends failed, once, killed by SIGKILL, and the runner's message names the OOM killer
 * (its cgroup's counter rose: runner/oomKills.ts); the retry policy decides how many attempts there
 * are; the normal steps complete, each executed once; nothing stays running; the cgroup is removed.
 */
import type { Drill, DrillContext } from '../drill.js';
import { steady } from '../drill.js';
import { ApiClient } from '../client.js';
import { allSettled, executedExactlyOnce, safetyChecks } from '../oracles.js';
import { check, inconclusiveCheck } from '../verdict.js';
import { startRun, waitRunning, waitRunTerminal, type CreatedRun } from '../workflow.js';
import { writeGreedyPreload } from './greedyAgent.js';
import { DrillMemoryCgroup, MEMORY_V1, memoryCgroupOf } from './memoryCgroup.js';
import { startStack } from './common.js';

interface AttemptView {
  attempt: number;
  status: string;
  message?: string | null;
  exit_code?: number | null;
  [k: string]: unknown;
}

/** One role (the seeded retry policy) and two templates: the normal chain and the greedy step. */
async function createFlows(ctx: DrillContext, retries: number) {
  const { client } = ctx.stack;
  const role = await client.post<{ id: number }>('/roles', {
    name: 'oom-agent',
    system_prompt: 'chaos drill agent',
    execution_constraints: {
      retry_policy: {
        max_retries: retries,
        retry_on: retries > 0 ? ['unknown'] : [],
        backoff_initial_ms: 200,
        backoff_max_ms: 1000,
      },
    },
  });
  const step = (id: string, mock: Record<string, unknown>, deps: string[] = [], timeout = 120) => ({
    step_id: id,
    role_id: role.id,
    title: `oom: ${id}`,
    depends_on: deps,
    executor_params: { mock },
    timeout_seconds: timeout,
  });
  const ms = ctx.num('normal_step_ms');
  const normal = await client.post<{ id: number }>('/workflow-templates', {
    name: 'oom-normal',
    steps: [
      step('a', { duration_ms: ms }),
      step('b', { duration_ms: ms }, ['a']),
      step('c', { duration_ms: ms }, ['b']),
    ],
  });
  // The timeout only bounds a drill whose fault never fires (no OOM kill): it is not the expected end.
  const greedy = await client.post<{ id: number }>('/workflow-templates', {
    name: 'oom-greedy',
    steps: [step('greedy', { hang: true, drill_greedy: true }, [], 30)],
  });
  return { retry_on: retries > 0 ? ['unknown'] : [], normal: normal.id, greedy: greedy.id };
}

export const agentOutOfMemory: Drill = {
  id: 'agent_out_of_memory',
  name: 'an agent runs its runner’s memory cgroup out of memory',
  summary:
    'an agent allocates until the OOM killer kills it: runner survives, step fails once per attempt (SIGKILL), others complete',
  timeoutMs: 120_000,
  // Nothing is healed for the runner to recover from: it must simply never stop serving.
  budgets: () => ({ detection_ms: null, recovery_ms: null }),
  async run(ctx) {
    const { stack } = ctx;
    if (process.getuid?.() !== 0)
      return {
        checks: [inconclusiveCheck('needs_root', 'agent_out_of_memory creates a memory cgroup: run as root')],
      };
    if (memoryCgroupOf(process.pid) === null)
      return {
        checks: [
          inconclusiveCheck('memory_cgroup_v1', `no cgroup-v1 memory hierarchy at ${MEMORY_V1} to limit in`),
        ],
      };
    await startStack(ctx, 0);
    await stack.startRunner(0, {
      capacity: 2,
      env: { NODE_OPTIONS: writeGreedyPreload(ctx.dir, stack.opts.baseEnv.NODE_OPTIONS) },
    });
    const runner = stack.runners[0]!;
    const pid = runner.proc.pid;
    const limitBytes = ctx.num('limit_mb') * 1024 * 1024;
    const cg = steady(
      DrillMemoryCgroup.create(pid, `multyagents-drill-${process.pid}-${pid}`, limitBytes),
      'a memory cgroup for the runner',
    );
    // Registered with the harness: a harness killed mid-drill leaves it to the next one's sweep.
    stack.opts.registry?.addCgroup(cg.dir);
    stack.onTeardown(() => {
      if (cg.remove()) stack.opts.registry?.removeCgroup(cg.dir);
    });
    cg.enter(pid);
    steady(cg.holds(pid), `runner pid ${pid} is in ${cg.dir}`);
    const flows = await createFlows(ctx, ctx.num('retries'));
    const go = async (templateId: number): Promise<CreatedRun> => {
      const r = await startRun(stack.client, templateId);
      ctx.created.push(r);
      return r;
    };

    const normal = await go(flows.normal);
    steady(
      await waitRunning(stack.client, stack.ledgerFile, normal.task_ids[0]!, 1, 15_000),
      'step a running under the limit',
    );
    const before = cg.reading();
    ctx.injected(
      `runner ${runner.name} (pid ${pid}) in ${cg.dir}, limit ${ctx.num('limit_mb')} MiB; a greedy agent started`,
    );
    const greedy = await go(flows.greedy);
    const greedyTask = greedy.task_ids[0]!;
    const greedyStatus = await waitRunTerminal(stack.client, greedy.run_id, 60_000);
    const normalStatus = await waitRunTerminal(stack.client, normal.run_id, 60_000);
    const after = cg.reading();
    const direct = new ApiClient(runner.url, 3000, { 'x-runner-token': stack.runnerToken() });
    const runnerHealthy = await direct
      .call('GET', '/health')
      .then((a) => a.status === 200)
      .catch(() => false);
    await direct.close();
    const runners = await stack.client.get<Array<{ id: number; liveness: string }>>('/runners');
    const online = runners.find((r) => r.id === runner.id)?.liveness === 'online';
    const later = await go(flows.normal);
    const laterStatus = await waitRunTerminal(stack.client, later.run_id, 60_000);
    const stillInCgroup = cg.holds(pid);
    const removed = cg.remove();
    ctx.fault.healed = removed;

    const h = await ctx.collect();
    const audit = await stack.client.get<{ attempts: AttemptView[] }>(`/tasks/${greedyTask}/audit`);
    const attempts = [...audit.attempts].sort((x, y) => x.attempt - y.attempt);
    const task = h.tasks.find((t) => t.id === greedyTask);
    const category = task?.failure_category ?? null;
    const oomKills = (after.oom_kill ?? 0) - (before.oom_kill ?? 0);
    ctx.fault.fired = after.oom_kill !== null && oomKills >= 1;
    const expectedAttempts =
      1 + (category !== null && flows.retry_on.includes(category) ? ctx.num('retries') : 0);
    const killed = attempts.filter((a) => a.status === 'failed' && /SIGKILL/.test(a.message ?? ''));
    const ledgerOf = (n: number) => h.ledger.filter((l) => l.task_id === greedyTask && l.attempt === n);
    const perAttempt = attempts.map((a) => `#${a.attempt} ${a.status} (${ledgerOf(a.attempt).length} exec)`);
    const terminalReports = h.events.filter(
      (e) => e.task_id === greedyTask && e.event_type === 'task.runner_status_updated',
    );
    ctx.details.cgroup = { dir: cg.dir, limit_bytes: limitBytes, before, after };
    ctx.details.greedy = { task_id: greedyTask, category, hints: task?.failure_triage_hints, attempts };
    ctx.details.runs = { normal: normalStatus, greedy: greedyStatus, later: laterStatus };
    ctx.log(
      `oom kills ${oomKills}; greedy ${String(greedyStatus)} (${perAttempt.join(', ')}); ` +
        `normal ${String(normalStatus)}, later ${String(laterStatus)}`,
    );
    const normalIds = [...normal.task_ids, ...later.task_ids];
    return {
      checks: [
        ...safetyChecks(h, ctx.created),
        allSettled(
          h,
          ctx.created.map((c) => c.run_id),
        ),
        executedExactlyOnce(h, normalIds),
        check(
          'oom_killer_fired',
          ctx.fault.fired && oomKills === attempts.length,
          `oom_kill ${String(before.oom_kill)} → ${String(after.oom_kill)} for ${attempts.length} greedy attempt(s); ` +
            `max usage ${after.max_usage_bytes} B of ${limitBytes} B`,
        ),
        check(
          'greedy_attempts_killed_once_each',
          attempts.length > 0 &&
            killed.length === attempts.length &&
            attempts.every((a) => ledgerOf(a.attempt).length === 1) &&
            task?.status === 'failed' &&
            greedyStatus === 'failed',
          `task ${greedyTask} ${String(task?.status)}, run ${String(greedyStatus)}: ${perAttempt.join(', ')}; ` +
            `messages: ${attempts.map((a) => a.message ?? '').join(' | ')}`,
        ),
        check(
          'oom_named_in_the_report',
          attempts.length > 0 && attempts.every((a) => /OOM killer killed \d+ process/.test(a.message ?? '')),
          `the runner's message names the OOM killer for ${attempts.filter((a) => /OOM killer/.test(a.message ?? '')).length} of ${attempts.length} attempt(s)`,
        ),
        check(
          'retry_policy_applied',
          attempts.length === expectedAttempts,
          `category ${String(category)}, retry_on [${flows.retry_on.join(',')}] max ${ctx.num('retries')}: ` +
            `${attempts.length} attempt(s), expected ${expectedAttempts}; ${terminalReports.length} runner reports`,
        ),
        check(
          'other_steps_completed',
          normalStatus === 'success' && laterStatus === 'success',
          `run ${normal.run_id} (during the OOM) ${String(normalStatus)}, run ${later.run_id} (after) ${String(laterStatus)}`,
        ),
        check(
          'runner_survived',
          runnerHealthy &&
            online &&
            stack.runners[0]?.proc.pid === pid &&
            runner.proc.running &&
            stillInCgroup,
          `runner pid ${pid} alive: ${runner.proc.running}, /health 200: ${runnerHealthy}, online: ${online}, ` +
            `still in the cgroup: ${stillInCgroup}`,
        ),
        check('cgroup_removed', removed, removed ? `${cg.dir} removed` : `${cg.dir} is still there`),
      ],
    };
  },
};
