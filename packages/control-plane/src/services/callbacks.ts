/**
 * Runner status reports (`POST /runner/tasks/{id}/status`). Fencing is the attempt machine's
 * (domain/attemptMachine.ts `admitRunnerEvent`): a report applies only to the task's current attempt
 * and only while that attempt was not closed by the API; anything else is refused with STALE_ATTEMPT
 * and recorded.
 * A repeat of the current status is a 200 no-op; a regression is ILLEGAL_TRANSITION. Refusals commit
 * their audit event before the 409 leaves.
 * Reports and log chunks arrive redacted as a whole (`redactBody` on their routes): every text stored
 * from them, and every copy derived from it (events, gate facts, triage), is already free of secrets.
 */
import type {
  RunnerReportBatch,
  RunnerReportResult,
  RunnerStatusReport,
  TaskStatus,
} from '@multyagents/contracts';
import { iso } from '../lib/clock.js';
import { AppError, coerceError } from '../lib/errors.js';
import { faultPoint } from '../lib/faults.js';
import { getAttempt } from '../store/ops/attempts.js';
import { insertEvent } from '../store/ops/events.js';
import { insertLogChunk } from '../store/ops/logs.js';
import { insertArtifact } from '../store/ops/artifacts.js';
import { insertHandoff } from '../store/ops/handoffs.js';
import type { TaskPatch, TaskRow } from '../store/ops/tasks.js';
import type { Sql } from '../store/sql.js';
import { json } from '../store/sql.js';
import type { ServiceContext } from './context.js';
import { admitRunnerEvent } from '../domain/attemptMachine.js';
import type { TriageStep } from '../domain/triage.js';
import { applyTaskEvent } from './lifecycle.js';
import { requireTask, viewTask } from './tasks.js';
import { cleanupPatch, storeWorktreeReport } from './worktreeReports.js';
import { checkReportHandoff, withoutIgnored } from './v1Handoff.js';
import { gateVerdict } from './v1Gates.js';

const TAIL_BYTES = 16 * 1024;
const FAILURE_STEPS: TriageStep[] = ['spawn', 'run', 'report', 'timeout', 'runner-restarted', 'workspace'];

function tail(text: string | null | undefined): string | null {
  if (!text) return null;
  return text.length > TAIL_BYTES ? text.slice(-TAIL_BYTES) : text;
}

/** `caller`: the runner whose own credential came with the report; null for the shared token (v1). */
export async function applyRunnerReport(
  ctx: ServiceContext,
  taskId: number,
  report: RunnerStatusReport,
  caller: number | null = null,
) {
  await faultPoint('before-report-commit');
  const outcome = await ctx.store.tx(async (sql) => {
    const r = await applyReportIn(ctx, sql, taskId, report, caller);
    return 'error' in r ? r : { task: await viewTask(sql, r.task) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.task;
}

/**
 * `POST /runner/reports`: each report applied as if posted alone, each in its own transaction — so one
 * refusal changes nothing for the others — and all of them in one group commit. The answer lists, in
 * request order, the status code and error each would have had alone (no task views: a runner needs
 * only the verdict).
 */
export async function applyRunnerReports(
  ctx: ServiceContext,
  batch: RunnerReportBatch,
  caller: number | null = null,
): Promise<{ results: RunnerReportResult[] }> {
  await faultPoint('before-report-commit');
  const results = await Promise.all(
    batch.reports.map(async ({ task_id, ...report }): Promise<RunnerReportResult> => {
      const base = { task_id, attempt: report.attempt ?? null };
      try {
        const r = await ctx.store.tx((sql) => applyReportIn(ctx, sql, task_id, report, caller));
        if ('error' in r) throw r.error;
        return { ...base, status_code: 200, code: null, detail: null, task_status: r.task.status };
      } catch (err) {
        const e = coerceError(err);
        if (e.status >= 500) ctx.logger.error({ err, taskId: task_id }, 'batched runner report failed');
        const detail = typeof e.detail === 'string' ? e.detail : e.message;
        const current = e.extra.current_status;
        return {
          ...base,
          status_code: e.status,
          code: e.code,
          detail,
          task_status: typeof current === 'string' ? (current as TaskStatus) : null,
        };
      }
    }),
  );
  return { results };
}

/** One report inside the caller's transaction: refusals are returned (their audit event commits). */
async function applyReportIn(
  ctx: ServiceContext,
  sql: Sql,
  taskId: number,
  report: RunnerStatusReport,
  caller: number | null,
): Promise<{ error: AppError } | { task: TaskRow }> {
  const t = await requireTask(sql, taskId);
  const nowIso = iso(ctx.clock.now());
  // Our runner always names the attempt it reports on; only a first-version client (runner auth
  // off, docs/compatibility.md) may leave it out and speak for the current attempt.
  if (report.attempt == null && ctx.config.runnerAuth)
    return {
      error: new AppError('VALIDATION_FAILED', 'attempt is required: name the attempt this report is about', {
        field: 'attempt',
      }),
    };
  const attemptNo = report.attempt ?? t.attempt;
  // Who speaks: the authenticated runner; with the shared token alone (v1), the runner the body names.
  const from = caller ?? report.runner_id ?? null;
  const refuse = async (code: 'STALE_ATTEMPT' | 'ILLEGAL_TRANSITION', reason: string) => {
    await insertEvent(
      sql,
      {
        event_type: 'task.report_refused',
        run_id: t.run_id,
        task_id: t.id,
        producer_role: 'runner',
        payload: {
          code,
          reason,
          reported_status: report.status,
          reported_attempt: attemptNo,
          current_attempt: t.attempt,
          current_status: t.status,
          from_runner_id: from,
          authenticated: caller !== null,
        },
      },
      nowIso,
    );
    return { error: new AppError(code, reason, { current_attempt: t.attempt, current_status: t.status }) };
  };
  const attempt = attemptNo > 0 ? await getAttempt(sql, t.id, attemptNo) : undefined;
  if (!attempt)
    return refuse(
      attemptNo === 0 ? 'ILLEGAL_TRANSITION' : 'STALE_ATTEMPT',
      `task ${t.id} has no attempt ${attemptNo}`,
    );
  if (caller !== null && report.runner_id != null && report.runner_id !== caller)
    return refuse(
      'STALE_ATTEMPT',
      `the report names runner ${report.runner_id} but comes with runner ${caller}'s credential`,
    );
  // A report is about the attempt of the runner holding it: another runner's is refused and recorded.
  if (from !== null && attempt.runner_id !== null && from !== attempt.runner_id)
    return refuse(
      'STALE_ATTEMPT',
      `attempt ${attemptNo} of task ${t.id} belongs to runner ${attempt.runner_id}, not runner ${from}`,
    );
  const event = { type: 'report', status: report.status } as const;
  const admitted = admitRunnerEvent(t, attempt, event);
  if (!admitted.ok) {
    return admitted.code === 'STALE_ATTEMPT'
      ? refuse(
          'STALE_ATTEMPT',
          `attempt ${attemptNo} of task ${t.id} is no longer current (current attempt ${t.attempt}, ${t.status}; attempt ${attemptNo} is ${attempt.status})`,
        )
      : refuse('ILLEGAL_TRANSITION', `cannot go from ${t.status} to ${report.status}`);
  }
  const handoffCheck = await checkReportHandoff(sql, t, report, report.attempt == null);
  if (handoffCheck.error) return { error: handoffCheck.error };
  const patch = reportPatch(ctx, report);
  if (report.status === 'running' && t.deadline_at === null) {
    // The report beat the submit outcome's commit: start the run-time limit here.
    patch.deadline_at = ctx.clock.now() + (t.timeout_seconds ?? ctx.config.defaultTaskTimeoutS) * 1000;
  }
  // A success that a required blocker check of the task's quality gate refuses ends as a failure.
  const gate = report.status === 'success' ? await gateVerdict(sql, t, report) : null;
  if (gate) patch.message = `quality gate failed: ${gate.summary_text}`;
  const failure = gate
    ? {
        step: 'run' as TriageStep,
        message: patch.message ?? null,
        qualityGate: gate.checks.filter((c) => c.blocker).map((c) => `${c.check}: ${c.message}`),
      }
    : report.status === 'failed'
      ? {
          step: (FAILURE_STEPS.includes(report.failure_step as TriageStep)
            ? report.failure_step
            : 'run') as TriageStep,
          exitCode: report.exit_code ?? null,
          output: `${report.stdout ?? ''}\n${report.stderr ?? ''}`,
          message: report.message ?? null,
          runnerUrl: attempt.runner_url,
          agent: report.agent ?? null,
          worktree: report.worktree ?? null,
        }
      : report.status === 'canceled'
        ? { step: 'cancel' as TriageStep, message: report.message ?? 'canceled on the runner' }
        : undefined;
  const applied = await applyTaskEvent(ctx, sql, t, gate ? { type: 'report', status: 'failed' } : event, {
    eventType: 'task.runner_status_updated',
    producer: 'runner',
    payload: {
      status: report.status,
      exit_code: report.exit_code ?? null,
      runner_id: from ?? attempt.runner_id,
    },
    patch,
    failure,
    attempt,
    ...agentPatch(ctx, report, attempt.session_id),
  });
  if (!applied.result.ok)
    return refuse(
      applied.result.code === 'STALE_ATTEMPT' ? 'STALE_ATTEMPT' : 'ILLEGAL_TRANSITION',
      `cannot go from ${t.status} to ${report.status}`,
    );
  if (applied.result.noop) {
    await insertEvent(
      sql,
      {
        event_type: 'task.report_duplicate',
        run_id: t.run_id,
        task_id: t.id,
        producer_role: 'runner',
        payload: { status: report.status, attempt: attemptNo },
      },
      nowIso,
    );
    return { task: t };
  }
  if (gate)
    await insertEvent(
      sql,
      {
        event_type: 'task.quality_gate_failed',
        run_id: t.run_id,
        task_id: t.id,
        payload: {
          attempt: attemptNo,
          quality_gate_summary: { ...gate, handoff_facts: undefined },
          // What the gate judged: the task's view judges the failed task on it again.
          handoff_facts: gate.handoff_facts,
        },
      },
      nowIso,
    );
  if (report.status !== 'running')
    await storeOutputs(ctx, sql, t.id, t.run_id, attemptNo, report, nowIso, handoffCheck.ignored);
  // A `running` report's worktree (path, base, start) is kept too: a crash loses the terminal one.
  await storeWorktreeReport(sql, t, attemptNo, report, nowIso);
  // A resumed session is audited once: with the `running` report, or with the outcome when that
  // report never arrived (the attempt ended before it was sent).
  const a = report.agent;
  if (a?.resumed === true && (report.status === 'running' || attempt.status !== 'running'))
    await insertEvent(
      sql,
      {
        event_type: 'task.session_resumed',
        run_id: t.run_id,
        task_id: t.id,
        producer_role: 'runner',
        payload: { attempt: attemptNo, session_id: a.session_id, from_attempt: a.resumed_from ?? null },
      },
      nowIso,
    );
  return { task: applied.task };
}

/**
 * The agent's session goes on the attempt as soon as a report names it (`running` included: a
 * runner that dies mid-step still leaves it for the retry to resume); its summary only with the
 * outcome. A report without a session id keeps the one stored.
 */
function agentPatch(ctx: ServiceContext, report: RunnerStatusReport, stored: string | null) {
  const a = report.agent;
  if (!a) return {};
  const session_id = a.session_id ?? stored;
  if (report.status === 'running') return session_id ? { attemptPatch: { session_id } } : {};
  return { attemptPatch: { session_id, agent: json(a) } };
}

function reportPatch(ctx: ServiceContext, r: RunnerStatusReport): TaskPatch {
  const patch: TaskPatch = {};
  if (r.status === 'running') {
    patch.started_at = r.started_at ?? iso(ctx.clock.now());
    patch.runner_unreachable_since = null;
    return patch;
  }
  if (r.started_at) patch.started_at = r.started_at;
  patch.finished_at = r.finished_at ?? iso(ctx.clock.now());
  patch.exit_code = r.exit_code ?? null;
  patch.message = r.message ?? null;
  const out = [r.stdout, r.stderr].filter(Boolean).join('\n');
  patch.output_tail = out ? tail(out)! : null;
  if (r.container_id) patch.container_id = r.container_id;
  if (r.worktree_cleanup_attempted != null) {
    patch.worktree_cleanup = json({
      attempted: r.worktree_cleanup_attempted,
      succeeded: r.worktree_cleanup_succeeded ?? null,
      message: r.worktree_cleanup_message ?? null,
    });
  }
  return { ...patch, ...cleanupPatch(r) };
}

/** Handoff and artifacts that come with a terminal report, in the same transaction. */
async function storeOutputs(
  ctx: ServiceContext,
  sql: Sql,
  taskId: number,
  runId: number | null,
  attempt: number,
  r: RunnerStatusReport,
  nowIso: string,
  ignoredRefs: readonly number[] = [],
) {
  const artifactIds: number[] = [];
  for (const a of r.artifacts ?? []) {
    const art = await insertArtifact(
      sql,
      {
        artifact_type: a.artifact_type,
        location: a.location,
        summary: a.summary,
        producer_task_id: taskId,
        run_id: runId,
        metadata: { ...a.metadata, attempt },
      },
      nowIso,
    );
    artifactIds.push(art.id);
    await insertEvent(
      sql,
      {
        event_type: 'artifact.created',
        run_id: runId,
        task_id: taskId,
        producer_role: 'runner',
        payload: { artifact_id: art.id, artifact_type: a.artifact_type },
      },
      nowIso,
    );
  }
  if (r.handoff) {
    const h = withoutIgnored(r.handoff, ignoredRefs);
    const extra = artifactIds
      .filter((id) => !h.artifacts.some((x) => x.artifact_id === id))
      .map((id) => ({ artifact_id: id, is_required: false }));
    const id = await insertHandoff(
      sql,
      {
        task_id: taskId,
        run_id: runId,
        attempt,
        summary: h.summary,
        details: h.details ?? null,
        next_actions: h.next_actions,
        open_questions: h.open_questions,
        artifacts: [...h.artifacts, ...extra],
      },
      nowIso,
    );
    await insertEvent(
      sql,
      {
        event_type: 'handoff.created',
        run_id: runId,
        task_id: taskId,
        producer_role: 'runner',
        payload: { handoff_id: id, ...(ignoredRefs.length ? { ignored_artifact_ids: ignoredRefs } : {}) },
      },
      nowIso,
    );
  }
}

export async function appendLogChunk(
  ctx: ServiceContext,
  taskId: number,
  c: { attempt: number; seq: number; stream: string; data: string },
  caller: number | null = null,
) {
  return ctx.store.tx(async (sql) => {
    await requireTask(sql, taskId);
    // Output of an attempt another runner holds is not this runner's to write.
    const a = caller === null ? undefined : await getAttempt(sql, taskId, c.attempt);
    if (a && a.runner_id !== null && a.runner_id !== caller)
      throw new AppError(
        'STALE_ATTEMPT',
        `attempt ${c.attempt} of task ${taskId} belongs to runner ${a.runner_id}`,
      );
    const stored = await insertLogChunk(
      sql,
      { task_id: taskId, attempt: c.attempt, seq: c.seq, stream: c.stream, data: c.data },
      iso(ctx.clock.now()),
    );
    return { task_id: taskId, attempt: c.attempt, seq: c.seq, stored };
  });
}
