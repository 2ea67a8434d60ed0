/**
 * Dispatch: claiming an attempt, building the runner payload and submitting it (readiness is
 * services/readiness.ts).
 *
 * Claim and submit are separate on purpose: the claim (attempt number = fencing token, runner, event)
 * commits first, then the HTTP submit runs outside any transaction, then its outcome commits. A crash
 * in between leaves a `dispatched` attempt that the reconciler or the stuck-dispatch sweep re-submits;
 * the runner treats (task, attempt) idempotently, so a re-submit never runs the step twice.
 */
import type { Role, RunnerSubmit } from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { faultPoint } from '../lib/faults.js';
import { getAttempt, updateAttempt } from '../store/ops/attempts.js';
import { isLiveCurrent } from '../domain/attemptMachine.js';
import { insertEvent } from '../store/ops/events.js';
import { addPendingCancel } from '../store/ops/cancels.js';
import { markRunnerDraining, markRunnerUnreachable } from './liveness.js';
import { DispatchLookups } from './lookups.js';
import { getRunner, type RunnerRow } from '../store/ops/runners.js';
import { getTaskRow, updateTask, type TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { parseJson } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import type { SubmitOutcome } from './ports.js';
import { applyTaskEvent } from './lifecycle.js';
import { assemblePrompt, resolveContext7 } from './prompt.js';
import { describeCapabilities, neededCapabilities, place, runnerSlots } from './placement.js';
import { worktreePayload } from './worktreePayload.js';
import { v1PayloadFields } from './v1Payload.js';

/** Create the next attempt on `runner` and move the task to dispatched (inside the caller's tx). */
export async function claimAttempt(
  ctx: ServiceContext,
  sql: Sql,
  t: TaskRow,
  runner: RunnerRow,
): Promise<TaskRow> {
  const applied = await applyTaskEvent(
    ctx,
    sql,
    t,
    { type: 'dispatch' },
    {
      eventType: 'task.dispatched',
      payload: { attempt: t.attempt + 1, runner_id: runner.id, runner_url: runner.url },
      claim: { runner_id: runner.id, runner_url: runner.url },
      patch: {
        dispatched_at: ctx.clock.now(),
        ready_since: null,
        next_attempt_at: null,
        runner_unreachable_since: null,
        resubmit_pending: 0,
        locks_released: 0,
        blocked_capability: null,
        exit_code: null,
        message: null,
      },
    },
  );
  if (!applied.result.ok) throw new AppError('TASK_NOT_DISPATCHABLE', `task ${t.id} is ${t.status}`);
  return applied.task;
}

export interface BuiltPayload {
  payload: RunnerSubmit;
  runnerUrl: string;
  context7: boolean;
}

/** The runner payload for the task's current attempt (read-only). */
export async function buildPayload(
  ctx: ServiceContext,
  sql: Sql,
  t: TaskRow,
  look: DispatchLookups = new DispatchLookups(sql),
): Promise<BuiltPayload> {
  const role = await look.role(t.role_id);
  const runner = t.runner_id !== null ? await look.runner(t.runner_id) : undefined;
  const project = t.project_id === null ? undefined : await look.project(t.project_id);
  const context7 = resolveContext7(t.context7_mode, role?.context7_enabled === true);
  const upstream = await look.upstream(parseJson<number[]>(t.depends_on, []));
  const skills = await look.skills(role?.skill_packs ?? []);
  const prompt = assemblePrompt({
    systemPrompt: role?.system_prompt ?? '',
    roleName: role?.name ?? `role ${t.role_id}`,
    skills,
    allowedTools: role?.allowed_tools ?? [],
    title: t.title,
    description: t.description,
    context7,
    upstream,
    workspace: project?.root_path ?? null,
  });
  const timeout = t.timeout_seconds ?? ctx.config.defaultTaskTimeoutS;
  return {
    runnerUrl: runner?.url ?? '',
    context7,
    payload: {
      task_id: t.id,
      run_id: t.run_id,
      attempt: t.attempt,
      prompt,
      title: t.title,
      role: role ? submitRole(role) : null,
      execution_mode: t.execution_mode as RunnerSubmit['execution_mode'],
      timeout_seconds: timeout,
      status_callback_url: `${ctx.config.publicUrl}/runner/tasks/${t.id}/status`,
      log_callback_url: `${ctx.config.publicUrl}/runner/tasks/${t.id}/logs`,
      status_callback_token: ctx.runnerToken,
      workspace: { project_id: t.project_id, root_path: project?.root_path ?? null },
      sandbox: parseJson(t.sandbox, null),
      ...(await v1PayloadFields(sql, t, {
        role,
        project,
        skillPackNames: skills.map((k) => k.pack),
        context7,
      })),
      ...lockPathsOf(t),
      handoff_context: upstream.length ? { upstream } : undefined,
      executor_params: parseJson<Record<string, unknown> | undefined>(t.executor_params, undefined),
      ...(await resumeOf(sql, t, role)),
      ...(await worktreePayload(sql, t, project, role)),
    },
  };
}

/** Lock paths still held (enforced here for every mode): the runner takes them again host-wide before it spawns. */
function lockPathsOf(t: TaskRow): Pick<RunnerSubmit, 'lock_paths'> {
  if (t.locks_released) return {};
  const paths = parseJson<string[]>(t.lock_paths, []);
  return paths.length ? { lock_paths: paths } : {};
}

/** Attempt outcomes whose agent session a retry continues (not a success, not a cancel). */
const RESUMABLE = new Set(['failed', 'lost', 'timeout']);

/**
 * A retry continues the agent session of the attempt before when that attempt failed or was lost
 * with a known session, unless the role says `execution_constraints.resume: false`.
 */
export async function resumeOf(
  sql: Sql,
  t: Pick<TaskRow, 'id' | 'attempt'>,
  role: Pick<Role, 'execution_constraints'> | undefined,
): Promise<Pick<RunnerSubmit, 'resume'>> {
  if (t.attempt < 2 || role?.execution_constraints.resume === false) return {};
  const prev = await getAttempt(sql, t.id, t.attempt - 1);
  if (!prev?.session_id || !RESUMABLE.has(prev.status)) return {};
  const how = [prev.failure_category, prev.message].filter(Boolean).join(': ');
  return {
    resume: {
      session_id: prev.session_id,
      from_attempt: prev.attempt,
      reason: (how || prev.status).slice(0, 2000),
    },
  };
}

/**
 * What the runner needs of the role: its grants and the agent flags. Checked again here because a
 * role stored before these constraints were validated may hold anything under those keys.
 */
function submitRole(role: Role): NonNullable<RunnerSubmit['role']> {
  const c = role.execution_constraints;
  const args =
    Array.isArray(c.agent_args) && c.agent_args.every((a) => typeof a === 'string') ? c.agent_args : [];
  return {
    id: role.id,
    name: role.name,
    allowed_tools: role.allowed_tools,
    execution_constraints: {
      read_only: c.read_only === true,
      agent_args: args,
      ...(c.network === false ? { network: false } : {}),
    },
  };
}

export interface SubmissionResult {
  submitted: boolean;
  runner_url: string;
  runner_task_status: string | null;
  message: string;
}

export interface SubmitItem {
  taskId: number;
  attempt: number;
  built?: BuiltPayload;
  /** Claimed at the end of the commit group that just became durable (scheduler/endOfGroupClaim.ts). */
  fresh?: boolean;
}

/**
 * Send attempts to their runners and commit the outcomes. One read checks every attempt is still the
 * one to send, the HTTP submits run concurrently, and all outcomes commit in ONE transaction (a group
 * commit: a fan-out of 100 children costs one fsync, not 100 serialized ones). Fenced: an attempt
 * that moved on while its call was in flight (canceled, lost, superseded) keeps its new state.
 */
export async function submitAttempts(
  ctx: ServiceContext,
  items: readonly SubmitItem[],
  opts: { unhurried?: boolean } = {},
): Promise<SubmissionResult[]> {
  const allFresh = items.every((it) => it.fresh === true && it.built !== undefined);
  const prepared = allFresh
    ? items.map((it) => it.built!)
    : await ctx.store.read(async (sql) => {
        const out: Array<BuiltPayload | null> = [];
        for (const it of items) {
          const t = await getTaskRow(sql, it.taskId);
          out.push(
            !t || t.attempt !== it.attempt || t.status !== 'dispatched'
              ? null
              : (it.built ?? (await buildPayload(ctx, sql, t))),
          );
        }
        return out;
      });
  await faultPoint('after-claim-before-submit');
  const outcomes = await submitByRunner(ctx, prepared);
  await faultPoint('after-submit-before-commit');
  const record = async (sql: Sql) => {
    const results: SubmissionResult[] = [];
    for (const [i, it] of items.entries()) {
      const built = prepared[i];
      const outcome = outcomes[i];
      if (!built || !outcome) {
        results.push({
          submitted: false,
          runner_url: '',
          runner_task_status: null,
          message: 'attempt no longer current',
        });
        continue;
      }
      results.push(await applySubmitOutcome(ctx, sql, it.taskId, it.attempt, built, outcome));
    }
    return results;
  };
  // Nobody waits on the outcomes of the scheduler's own submits: they may share the next group.
  return opts.unhurried ? ctx.store.txSoon(record, UNHURRIED_WITHIN_MS) : ctx.store.tx(record);
}

/**
 * How long the outcomes of the scheduler's submits may wait for another transaction to share a
 * commit with (the runner's report of the same attempt, usually). Meanwhile the task still shows
 * `dispatched`; after a crash in between, the API's reconciliation asks the runner, as it does for
 * a submit whose answer never arrived.
 */
const UNHURRIED_WITHIN_MS = 5;

/** One request per runner for all of its attempts (a fan-out of 100 is one HTTP call, not 100). */
async function submitByRunner(
  ctx: ServiceContext,
  prepared: ReadonlyArray<BuiltPayload | null>,
): Promise<Array<SubmitOutcome | null>> {
  const byRunner = new Map<string, number[]>();
  prepared.forEach((b, i) => {
    if (!b) return;
    const list = byRunner.get(b.runnerUrl) ?? [];
    list.push(i);
    byRunner.set(b.runnerUrl, list);
  });
  const outcomes: Array<SubmitOutcome | null> = prepared.map(() => null);
  await Promise.all(
    [...byRunner].map(async ([url, idx]) => {
      const answers = await ctx.runnerClient.submitMany(
        url,
        idx.map((i) => prepared[i]!.payload),
      );
      idx.forEach((i, k) => (outcomes[i] = answers[k] ?? null));
    }),
  );
  return outcomes;
}

export async function submitAttempt(
  ctx: ServiceContext,
  taskId: number,
  attempt: number,
  prebuilt?: BuiltPayload,
): Promise<SubmissionResult> {
  return (await submitAttempts(ctx, [{ taskId, attempt, built: prebuilt }]))[0]!;
}

async function applySubmitOutcome(
  ctx: ServiceContext,
  sql: Sql,
  taskId: number,
  attemptNo: number,
  built: BuiltPayload,
  outcome: SubmitOutcome,
): Promise<SubmissionResult> {
  const t = await getTaskRow(sql, taskId);
  const a = t ? await getAttempt(sql, taskId, attemptNo) : undefined;
  const nowIso = iso(ctx.clock.now());
  const answer = (submitted: boolean, message: string): SubmissionResult => ({
    submitted,
    runner_url: built.runnerUrl,
    runner_task_status: submitted && outcome.ok ? outcome.runnerStatus : null,
    message,
  });
  if (!t || !a) return answer(false, 'task vanished');
  // Fenced: only the task's current, live attempt takes the submit's outcome.
  const current = isLiveCurrent(t, a);
  if (outcome.ok && !current) {
    // The runner's own report of this attempt's outcome beat this commit: nothing to stop.
    if (a.status === 'success' || a.status === 'failed')
      return answer(true, 'accepted; the runner has already reported the outcome');
    // The runner accepted an attempt that was canceled, lost or superseded while the call was in
    // flight: it must stop it (delivered now if reachable, else with its next heartbeat answer).
    if (a.runner_id !== null) await addPendingCancel(sql, taskId, attemptNo, a.runner_id, nowIso);
    return answer(true, 'accepted, but the attempt was fenced meanwhile; the runner is told to stop it');
  }
  if (!current) return answer(false, outcome.message);
  if (t.resubmit_pending) await updateTask(sql, t.id, { resubmit_pending: 0 }, nowIso);
  if (outcome.ok) {
    const deadline = ctx.clock.now() + built.payload.timeout_seconds * 1000;
    if (a.status === 'dispatched') {
      await applyTaskEvent(
        ctx,
        sql,
        t,
        { type: 'submitted' },
        {
          eventType: 'task.runner_queued',
          payload: { runner_url: built.runnerUrl, runner_status: outcome.runnerStatus },
          patch: { deadline_at: deadline },
          attempt: a,
          attemptPatch: { submitted_at: nowIso },
        },
      );
    } else {
      // The runner's `running` report beat this commit: the run-time limit still applies.
      await updateAttempt(sql, taskId, attemptNo, { submitted_at: nowIso });
      if (t.deadline_at === null) await updateTask(sql, t.id, { deadline_at: deadline }, nowIso);
    }
    return answer(true, outcome.message);
  }
  if (a.status !== 'dispatched') return answer(false, outcome.message);
  const limitMs = (t.time_to_start_seconds ?? ctx.config.defaultTimeToStartS) * 1000;
  if (
    outcome.kind === 'unknown' &&
    t.dispatched_at !== null &&
    ctx.clock.now() - t.dispatched_at <= limitMs
  ) {
    // The runner may have the attempt: send the same attempt again (the runner runs an attempt at
    // most once) instead of failing it and retrying elsewhere, which could run the step twice.
    await updateTask(sql, t.id, { resubmit_pending: 1 }, nowIso);
    await insertEvent(
      sql,
      {
        event_type: 'task.submit_unconfirmed',
        run_id: t.run_id,
        task_id: t.id,
        payload: { attempt: attemptNo, runner_url: built.runnerUrl, error: outcome.message },
      },
      nowIso,
    );
    return answer(false, `submit unconfirmed (${outcome.message}); the same attempt will be sent again`);
  }
  let runner = t.runner_id !== null ? await getRunner(sql, t.runner_id) : undefined;
  if (runner && outcome.kind === 'draining') await markRunnerDraining(ctx, sql, runner, 'submit');
  // A busy or draining runner, or one that announced its shutdown and is now gone, is a queue, not a
  // failure: the task goes back to ready (no retry spent) and is placed on a runner that can take it.
  const busy =
    outcome.kind === 'capacity' ||
    outcome.kind === 'draining' ||
    (outcome.kind === 'unreachable' && runner?.draining === 1);
  if (t.runner_id !== null && !busy) {
    // Whatever the runner may have journaled before failing must not run: it is owed a cancel.
    await addPendingCancel(sql, t.id, attemptNo, t.runner_id, nowIso);
  }
  if (outcome.kind === 'unreachable' && runner) {
    await markRunnerUnreachable(ctx, sql, runner, { source: 'submit', error: outcome.message });
    // Read again: the triage hint must show the runner as we now know it (unreachable).
    runner = await getRunner(sql, runner.id);
  }
  await applyTaskEvent(
    ctx,
    sql,
    t,
    { type: busy ? 'submit-refused' : 'submit-failed', retry: false },
    {
      eventType: 'task.runner_submit_failed',
      payload: { runner_url: built.runnerUrl, error: outcome.message, kind: outcome.kind },
      patch: { message: `submit to ${built.runnerUrl} failed: ${outcome.message}` },
      attempt: a,
      failure: {
        step: 'submit',
        runnerUrl: built.runnerUrl,
        error: outcome.message,
        runners: runner ? [describeRunner(runner)] : [],
      },
    },
  );
  return answer(false, outcome.message);
}

export function describeRunner(r: RunnerRow) {
  return { name: r.name, url: r.url, liveness: r.liveness, lastSeen: iso(r.last_seen_at) };
}

/**
 * Pick a runner and claim, or explain why not (for manual dispatch). A task that needs a capability
 * no online runner has (git-worktree, bwrap, docker) is refused with 409 SANDBOX_UNAVAILABLE.
 */
export async function claimForManualDispatch(ctx: ServiceContext, sql: Sql, t: TaskRow) {
  const slots = await runnerSlots(sql);
  const p = place(slots, neededCapabilities(t, await new DispatchLookups(sql).role(t.role_id)));
  if (p.missing) {
    const runners = describeCapabilities(slots);
    throw new AppError(
      'SANDBOX_UNAVAILABLE',
      `task ${t.id} (${t.execution_mode}) needs a runner with '${p.missing}'; no online runner has it (considered: ${
        runners.map((r) => `${r.name} [${r.capabilities.join(', ') || 'none'}]`).join('; ') || 'none'
      }); the task stays ready`,
      { capability: p.missing, runners },
    );
  }
  return p.runner
    ? { task: await claimAttempt(ctx, sql, t, p.runner), runner: p.runner }
    : { task: t, runner: null, slots };
}
