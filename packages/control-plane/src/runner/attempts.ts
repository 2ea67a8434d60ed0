import fs from 'node:fs';
import path from 'node:path';
import {
  HandoffPayload,
  ReportedArtifact,
  type AgentSummary,
  type ReportedWorktree,
  type RunnerSubmit,
} from '@multyagents/contracts';
import type { RunnerConfig } from '../config/runner.js';
import {
  ExecutorUnavailableError,
  type Executor,
  type ExitInfo,
  type RunningProcess,
} from '../executors/index.js';
import { processStartTime } from '../executors/procfs.js';
import type { AgentSession } from '../executors/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError, coerceError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { parseCredential } from '../lib/runnerIdentity.js';
import { makeRedactor, redactAgent, redactDeep, type Redactor } from '../lib/redact.js';
import { attemptDirOf, readResultFile, writePrompt, type PromptFiles } from './attemptFiles.js';
import { agentKindOf, agentSummary, judgeAgent, sessionSummary } from './agentOutcome.js';
import { decideSubmit, outcomeOf, type KillReason, type Outcome } from './decisions.js';
import { startOomCounter } from './oomKills.js';
import type { Transport } from './http.js';
import { journalFullRefusal, type Journal, type NewReport } from './journal.js';
import { AttemptOutput, ChunkForwarder } from './output.js';
import type { Outbox } from './outbox.js';
import type { Reaper } from './reaper.js';
import { Delayed } from './delayed.js';
import { resolveWorkdir } from './workdir.js';
import { finishWorktree, landRun, prepareWorktree, type Prepared, type StageDeps } from './worktreeStage.js';
import type { GitWorkspaces } from './git/index.js';
import type { SandboxDecision } from './capabilities.js';
import type { PathLocks } from './pathLocks.js';
import { sandboxFor, type SandboxRequest } from '../executors/sandbox.js';
import { resolveAgentCliCacheRoot } from '../config/agentClis.js';

interface Live {
  submit: RunnerSubmit;
  /** What the attempt's output, files and reports are redacted with (made once, at admission). */
  redact: Redactor;
  /** The prompt as redacted for the journal; prompt.txt holds the same text. */
  safePrompt: string;
  proc: RunningProcess | null;
  killReason: KillReason | null;
  timer: NodeJS.Timeout | null;
  /** codex/claude: the agent's session as far as known (sent with the `running` report). */
  session?: AgentSession;
  /** isolated-worktree: where the attempt works and from which commit (sent with `running`). */
  worktree?: ReportedWorktree;
  /** The host-wide path lock this attempt holds (released when it ends, whatever the end). */
  releaseLock?: () => Promise<void>;
  done: Promise<void>;
  settle: () => void;
}

export interface AttemptsDeps {
  config: RunnerConfig;
  journal: Journal;
  outbox: Outbox;
  executor: Executor;
  transport: Transport;
  reaper: Reaper;
  clock: Clock;
  logger: Logger;
  runnerToken: string;
  runnerId: () => number | null;
  /** This runner's own credential (`<id>.<secret>`), once issued: redacted like the shared token. */
  credential?: () => string | null;
  /** The git workspace library; null when this runner cannot run isolated-worktree attempts. */
  git?: GitWorkspaces | null;
  /** Host-wide shared-workspace path locks, taken again before an agent spawns. */
  pathLocks?: PathLocks | null;
  /** Whether workspace attempts run inside bubblewrap. */
  sandbox?: SandboxDecision | null;
}

/** How long a worktree attempt keeps asking an unreachable API whether it may commit. */
const FENCE_WAIT_MS = 60_000;

const key = (taskId: number, attempt: number) => `${taskId}:${attempt}`;

/**
 * How long (at most; at least half of it) an attempt runs before its `running` report is written (see
 * Delayed). One that ends sooner sends only
 * its terminal report, which carries `started_at` (the API goes from queued to the outcome): for
 * the short attempts of a busy runner that halves the reports the outbox writes, sends and settles
 * and the API applies; for a real agent it shows `running` a few milliseconds later. The attempt row
 * itself is marked running at once (recovery and heartbeats read it).
 */
export const RUNNING_REPORT_DELAY_MS = 50;

export interface SubmitAnswer {
  task_id: number;
  attempt: number;
  status: string;
  message: string;
}

export function logFileOf(config: RunnerConfig, taskId: number, attempt: number): string {
  return path.join(config.logsDir, `task-${taskId}-attempt-${attempt}.log`);
}

/** What the agent left in MULTYAGENTS_RESULT_FILE, validated against the contract. */
export function readResult(raw: unknown): { handoff?: unknown; artifacts?: unknown[]; note?: string } {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object') return { note: 'result file ignored: not a JSON object' };
  const given = raw as Record<string, unknown>;
  // The shape the prompt asks agents for is flat ({summary, next_actions, open_questions, artifacts});
  // {handoff: {...}, artifacts} is the runner protocol's own.
  const r =
    given.handoff === undefined && typeof given.summary === 'string'
      ? {
          handoff: {
            summary: given.summary,
            details: given.details,
            next_actions: given.next_actions,
            open_questions: given.open_questions,
          },
          artifacts: given.artifacts,
        }
      : given;
  const out: { handoff?: unknown; artifacts?: unknown[]; note?: string } = {};
  const notes: string[] = [];
  if (r.handoff !== undefined && r.handoff !== null) {
    const h = HandoffPayload.safeParse(r.handoff);
    if (h.success) out.handoff = h.data;
    else notes.push(`handoff ignored: ${h.error.issues[0]?.message ?? 'invalid'}`);
  }
  if (r.artifacts !== undefined && r.artifacts !== null) {
    const list = Array.isArray(r.artifacts) ? r.artifacts.slice(0, 200) : null;
    const parsed = list?.map((x) => ReportedArtifact.safeParse(x));
    const bad = parsed ? parsed.find((p) => !p.success) : undefined;
    if (!parsed) notes.push('artifacts ignored: not an array');
    else if (bad && !bad.success)
      notes.push(`artifacts ignored: ${bad.error.issues[0]?.message ?? 'invalid'}`);
    else out.artifacts = parsed.map((p) => p.data);
  }
  if (notes.length) out.note = notes.join('; ');
  return out;
}

/**
 * The attempts this runner holds: accepts submits (journaled before the answer), runs each through the
 * executor, enforces timeout and cancel, and turns every state change into an outbox report.
 */
export class Attempts {
  private readonly live = new Map<string, Live>();
  draining = false;
  private readonly summary: OutcomeSummary;
  /** Attempts whose `running` report is written if they still run after the delay. */
  private readonly runningReports = new Delayed<{ live: Live; startedAt: string }>(
    RUNNING_REPORT_DELAY_MS / 2,
    ({ live, startedAt }) => this.reportRunning(live, startedAt),
  );

  constructor(private readonly d: AttemptsDeps) {
    this.summary = new OutcomeSummary(d.logger);
  }

  private reportRunning(live: Live, startedAt: string): void {
    const s = live.submit;
    if (this.live.get(key(s.task_id, s.attempt)) !== live) return; // ended already
    const report = this.report(s, 'running', {
      status: 'running',
      started_at: startedAt,
      message: `started by ${this.d.executor.name}`,
      ...this.sessionAgent(live),
      ...(live.worktree ? { worktree: live.worktree } : {}),
    });
    if (this.d.journal.reportRunning(s.task_id, s.attempt, report, this.d.clock.now())) this.d.outbox.wake();
  }

  /** `{agent}` with the session of a codex/claude attempt, once known; else nothing. */
  private sessionAgent(live: Live): { agent?: AgentSummary } {
    const kind = agentKindOf(this.d.executor.name);
    return kind && live.session ? { agent: sessionSummary(kind, live.session) } : {};
  }

  get activeCount(): number {
    return this.live.size;
  }

  private nowIso(): string {
    return new Date(this.d.clock.now()).toISOString();
  }

  /** One submit: answered only once the attempt row is durable; the agent starts after that too. */
  async submit(s: RunnerSubmit): Promise<SubmitAnswer> {
    const [r] = await this.submitMany([s]);
    if (r instanceof AppError) throw r;
    return r!;
  }

  /**
   * Several submits (`POST /tasks/submit-batch`): each decided and journaled exactly as if alone, in
   * order, then ONE durability barrier for all of them before any answer leaves or any agent starts.
   * A refused submit is its AppError, in place.
   */
  async submitMany(list: RunnerSubmit[]): Promise<Array<SubmitAnswer | AppError>> {
    const admitted = list.map((s) => {
      try {
        return this.admit(s);
      } catch (err) {
        return coerceError(err);
      }
    });
    try {
      // Also for duplicates: the first submit of the same attempt may still be waiting for its sync.
      await this.d.journal.durable();
    } catch (err) {
      const e = journalFullRefusal(err) ?? coerceError(err);
      return admitted.map((a) => {
        if (a instanceof AppError || !a.live) return a instanceof AppError ? a : e;
        const s = a.live.submit;
        if (this.d.journal.discardAttempt(s.task_id, s.attempt)) {
          // The commit failed and was rolled back: the attempt was never accepted, the refusal says so.
          this.live.delete(key(s.task_id, s.attempt));
          a.live.settle();
        }
        // Committed, but unknown whether it survives a power loss: never run it; the API hears `failed`.
        else this.fail(a.live, 'spawn', `the runner journal could not be synced: ${e.message}`);
        return e;
      });
    }
    for (const a of admitted) if (!(a instanceof AppError) && a.live) this.startSoon(a.live);
    return admitted.map((a) => (a instanceof AppError ? a : a.answer));
  }

  /** Decide and journal one submit (no await between the two: the same attempt is never admitted twice). */
  private admit(s: RunnerSubmit): { answer: SubmitAnswer; live: Live | null } {
    const { journal, config } = this.d;
    // One read in the usual case (a new attempt, or a resubmit of the newest one); the exact row is
    // read on its own only when a newer attempt exists.
    const newest = journal.newest(s.task_id);
    const exact =
      newest === undefined || newest.attempt < s.attempt
        ? undefined
        : newest.attempt === s.attempt
          ? newest
          : journal.get(s.task_id, s.attempt);
    const decision = decideSubmit({
      attempt: s.attempt,
      exact,
      newest: exact ? undefined : newest,
      draining: this.draining,
      activeCount: this.live.size,
      capacity: config.capacity,
    });
    switch (decision.kind) {
      case 'duplicate': {
        const message = 'attempt already accepted (idempotent resubmit): not started again';
        return {
          answer: { task_id: s.task_id, attempt: s.attempt, status: exact!.status, message },
          live: null,
        };
      }
      case 'stale':
        throw new AppError(
          'STALE_ATTEMPT',
          `attempt ${s.attempt} of task ${s.task_id} is older than attempt ${decision.newest} known to this runner`,
          { task_id: s.task_id, attempt: s.attempt, newest_attempt: decision.newest },
        );
      case 'draining':
        throw new AppError('RUNNER_DRAINING');
      case 'capacity':
        throw new AppError('RUNNER_AT_CAPACITY', `runner is at capacity (${config.capacity} running)`, {
          capacity: config.capacity,
        });
      case 'accept':
        break;
    }
    // Commits fail for want of disk: refused as busy before anything is written (the API places the
    // task again); the journal retries what it keeps and clears this once a commit goes through.
    const full = journalFullRefusal(journal.commitFailure);
    if (full) throw full;
    const redact = this.redactorFor(s);
    const kept = journalCopy(s, redact);
    journal.insertAttempt(kept, this.nowIso());
    if (decision.supersede !== null) this.kill(s.task_id, decision.supersede, 'superseded');
    let settle: () => void = () => undefined;
    const done = new Promise<void>((r) => (settle = r));
    const live: Live = {
      submit: s,
      redact,
      safePrompt: kept.prompt,
      proc: null,
      killReason: null,
      timer: null,
      done,
      settle,
    };
    this.live.set(key(s.task_id, s.attempt), live);
    return {
      answer: { task_id: s.task_id, attempt: s.attempt, status: 'queued', message: 'accepted' },
      live,
    };
  }

  /** Start after the answer is on its way. */
  private startSoon(live: Live): void {
    const s = live.submit;
    setImmediate(() => {
      this.run(live).catch((err: unknown) => {
        this.d.logger.error({ err, taskId: s.task_id, attempt: s.attempt }, 'attempt crashed in the runner');
        this.fail(live, 'spawn', `runner error: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
  }

  private fail(live: Live, step: 'spawn', message: string): void {
    this.finish(live, { status: 'failed', exit_code: null, failure_step: step, message });
  }

  /** Ask an attempt to die; the run loop reports the outcome once the process tree is gone. */
  kill(taskId: number, attempt: number, reason: KillReason): boolean {
    const live = this.live.get(key(taskId, attempt));
    if (!live) return false;
    if (live.killReason) return true;
    live.killReason = reason;
    if (live.timer) clearTimeout(live.timer);
    this.d.logger.info({ taskId, attempt, reason }, 'killing attempt');
    if (live.proc) void live.proc.kill();
    return true;
  }

  cancel(
    taskId: number,
    attempt?: number,
  ): { task_id: number; attempt: number; status: string; message: string } {
    const row = attempt ? this.d.journal.get(taskId, attempt) : this.d.journal.newest(taskId);
    if (!row) {
      throw new AppError(
        'ATTEMPT_NOT_FOUND',
        `this runner holds no attempt ${attempt ?? ''} of task ${taskId}`.replace('  ', ' '),
      );
    }
    const live = this.live.get(key(row.task_id, row.attempt));
    if (live && (live.killReason === null || live.killReason === 'cancel')) {
      this.kill(row.task_id, row.attempt, 'cancel');
      return {
        task_id: row.task_id,
        attempt: row.attempt,
        status: 'canceled',
        message: 'cancel accepted: the process tree is being killed; the canceled report follows',
      };
    }
    return {
      task_id: row.task_id,
      attempt: row.attempt,
      status: row.status,
      message: 'attempt already ending',
    };
  }

  /** Wait until nothing runs, at most `ms`; true when idle. */
  async waitIdle(ms: number): Promise<boolean> {
    if (this.live.size === 0) {
      this.summary.flush();
      return true;
    }
    let t: NodeJS.Timeout | undefined;
    const all = Promise.all([...this.live.values()].map((l) => l.done)).then(() => true);
    const r = await Promise.race([
      all,
      new Promise<boolean>((res) => (t = setTimeout(() => res(false), ms))),
    ]);
    clearTimeout(t);
    // Used by the drain at stop: the outcomes not summarized yet are logged before the process ends.
    this.summary.flush();
    return r || this.live.size === 0;
  }

  /** Kill everything (shutdown) and wait until every attempt has been reported. */
  async killAll(reason: KillReason): Promise<void> {
    const lives = [...this.live.values()];
    for (const l of lives) this.kill(l.submit.task_id, l.submit.attempt, reason);
    await Promise.all(lives.map((l) => l.done));
    this.summary.flush();
  }

  private report(s: RunnerSubmit, kind: NewReport['kind'], body: Record<string, unknown>): NewReport {
    return {
      kind,
      url: s.status_callback_url,
      token: s.status_callback_token,
      body: { attempt: s.attempt, runner_id: this.d.runnerId(), ...body },
    };
  }

  private async run(live: Live): Promise<void> {
    const { config, executor } = this.d;
    const s = live.submit;
    // Made when something is logged: most attempts log nothing here (their one line is finish's).
    let child: Logger | null = null;
    const log = () => (child ??= this.d.logger.child({ taskId: s.task_id, attempt: s.attempt }));
    if (live.killReason)
      return this.finish(live, outcomeOf({ code: null, signal: null }, live.killReason, s.timeout_seconds));
    const w = s.execution_mode === 'isolated-worktree' ? s.worktree : undefined;
    const stage = w ? this.stage(live) : null;
    if (w && !stage) {
      return this.finish(live, {
        status: 'failed',
        exit_code: null,
        failure_step: 'workspace',
        message: 'workspace-git: this runner cannot run isolated-worktree attempts (git ≥ 2.38 not found)',
      });
    }
    if (w?.merge && stage) return this.runMerge(live, stage, { ...w, merge: w.merge });
    let prepared: Prepared | null = null;
    if (w && stage) {
      prepared = await prepareWorktree(stage, s, w);
      if (!prepared.ok) return this.finish(live, prepared.outcome, { worktree: prepared.report });
      live.worktree = prepared.report;
      if (live.killReason) {
        const o = outcomeOf({ code: null, signal: null }, live.killReason, s.timeout_seconds);
        return this.finish(live, o, { worktree: prepared.report });
      }
    }
    // Only a spawned agent reads the prompt file, writes the result file and needs its cwd to exist;
    // in-process attempts get their prompt in the request and return their result.
    const inProcess = executor.runsInProcess?.(s.executor_params ?? {}) === true;
    const wd = prepared?.ok
      ? { ok: true as const, cwd: prepared.cwd, workspaceRoot: prepared.cwd }
      : resolveWorkdir(s, config.workDir, !inProcess);
    if (!wd.ok)
      return this.finish(live, {
        status: 'failed',
        exit_code: null,
        failure_step: 'spawn',
        message: wd.message,
      });

    const attemptDir = attemptDirOf(config, s.task_id, s.attempt);
    const resultFile = path.join(attemptDir, 'result.json');
    // What is written to disk or sent is redacted; only the agent gets the raw prompt (it needs it).
    const redact = live.redact;
    let prompt: PromptFiles | null = null;
    if (!inProcess) {
      prompt = writePrompt(attemptDir, s.prompt, live.safePrompt);
      fs.rmSync(resultFile, { force: true });
    }
    try {
      await this.spawnAndReport(
        live,
        { wd, prepared, stage, w, attemptDir, resultFile, redact, inProcess, log },
        prompt,
      );
    } finally {
      // Every path out (a refusal before the spawn, a spawn failure, a runner error) drops the raw copy.
      prompt?.removeRaw();
    }
  }

  /** Spawns the agent, waits for it, reads its result and reports the outcome (the second half of run). */
  private async spawnAndReport(
    live: Live,
    a: {
      wd: { ok: true; cwd: string; workspaceRoot: string | null };
      prepared: Prepared | null;
      stage: StageDeps | null;
      w: RunnerSubmit['worktree'];
      attemptDir: string;
      resultFile: string;
      redact: Redactor;
      inProcess: boolean;
      log: () => Logger;
    },
    prompt: PromptFiles | null,
  ): Promise<void> {
    const { config, executor, journal, clock } = this.d;
    const s = live.submit;
    const { wd, prepared, stage, w, attemptDir, resultFile, redact, inProcess, log } = a;
    const promptFile = prompt?.agentFile ?? path.join(attemptDir, 'prompt.txt');
    const forwarder = s.log_callback_url
      ? new ChunkForwarder(this.d.transport, s.log_callback_url, s.status_callback_token, s.attempt, log)
      : null;
    const output = new AttemptOutput(logFileOf(config, s.task_id, s.attempt), forwarder, redact);
    const env = {
      ...config.childEnv,
      MULTYAGENTS_TASK_ID: String(s.task_id),
      MULTYAGENTS_ATTEMPT: String(s.attempt),
      MULTYAGENTS_RUN_ID: s.run_id === null ? '' : String(s.run_id),
      MULTYAGENTS_RESULT_FILE: resultFile,
      MULTYAGENTS_PROMPT_FILE: promptFile,
      MULTYAGENTS_EFFECT_LEDGER: config.ledgerFile,
      MULTYAGENTS_EXECUTION_MODE: s.execution_mode,
      ...(wd.workspaceRoot ? { MULTYAGENTS_WORKSPACE_ROOT: wd.workspaceRoot } : {}),
    };

    if (!inProcess) {
      const refused = await this.lockPaths(live);
      if (refused) {
        await output.close(0);
        return this.finish(live, refused, prepared?.ok ? { worktree: prepared.report } : {});
      }
    }
    let proc: RunningProcess;
    try {
      const sandbox = inProcess
        ? null
        : this.sandboxOf(s, wd.cwd, attemptDir, prepared?.ok ? prepared.gitCommonDir : null);
      if (sandbox && 'refused' in sandbox) {
        await output.close(0);
        return this.finish(live, sandbox.refused);
      }
      proc = executor.start(
        {
          taskId: s.task_id,
          attempt: s.attempt,
          runId: s.run_id,
          prompt: s.prompt,
          cwd: wd.cwd,
          env,
          params: s.executor_params ?? {},
          resultFile,
          ledgerFile: config.ledgerFile,
          killGraceMs: config.killGraceMs,
          role: {
            allowedTools: s.role?.allowed_tools ?? [],
            readOnly: s.role?.execution_constraints?.read_only === true,
            agentArgs: s.role?.execution_constraints?.agent_args ?? [],
          },
          ...(s.resume ? { resume: s.resume } : {}),
          ...(sandbox ? { sandbox } : {}),
          onSession: (session) => {
            live.session = session;
            journal.setSession(s.task_id, s.attempt, session);
          },
        },
        (stream, data) => output.write(stream, data),
      );
    } catch (err) {
      await output.close(0);
      const message = err instanceof ExecutorUnavailableError ? err.message : `spawn failed: ${String(err)}`;
      log().error({ message }, 'executor cannot run the attempt');
      return this.finish(live, { status: 'failed', exit_code: null, failure_step: 'spawn', message });
    }
    live.proc = proc;
    const oomCounter = proc.pid !== null ? startOomCounter(proc.pid) : null;
    const startedAt = this.nowIso();
    const spawned = proc.pid !== null || proc.inProcess === true;
    if (spawned) {
      if (proc.pid !== null) this.d.reaper.watch(proc.pid);
      journal.markRunning(
        s.task_id,
        s.attempt,
        { pid: proc.pid, proc_start: proc.pid ? processStartTime(proc.pid) : null, started_at: startedAt },
        null,
        clock.now(),
      );
      this.runningReports.add({ live, startedAt });
      // One info line per attempt (its outcome, below) is what an operator reads; this one costs as much.
      if (this.d.logger.isLevelEnabled('debug')) {
        log().debug({ pid: proc.pid, executor: executor.name }, 'attempt running');
      }
    }
    // A kill may have arrived while we were spawning.
    if (live.killReason) void proc.kill();
    else live.timer = setTimeout(() => this.kill(s.task_id, s.attempt, 'timeout'), s.timeout_seconds * 1000);

    const exit: ExitInfo = await proc.exited;
    prompt?.removeRaw();
    // What the redactors still hold goes to the log file and the tails before they are read; the file is
    // flushed before the terminal report says the attempt is over.
    await output.settle();
    if (live.timer) clearTimeout(live.timer);
    if (proc.pid !== null) this.d.reaper.unwatch(proc.pid);
    const agent: AgentSummary | undefined = exit.agent
      ? agentSummary(exit.agent, s.role?.execution_constraints?.read_only === true)
      : undefined;
    // Only a SIGKILL nobody here sent can be the OOM killer's: read the counter for that one alone.
    const oomKills = exit.signal === 'SIGKILL' && !live.killReason ? (oomCounter?.since() ?? null) : null;
    let outcome = judgeAgent(outcomeOf(exit, live.killReason, s.timeout_seconds, oomKills), agent);
    let fileResult: unknown = exit.result;
    if (fileResult === undefined && inProcess) fileResult = null;
    if (fileResult === undefined) fileResult = readResultFile(resultFile, redact);
    // The report is journaled on disk before it is sent: its free texts are redacted first (the commit
    // message of a worktree attempt, made from the summary, too).
    const result = redactDeep(readResult(fileResult), redact);
    // No handoff written: the agent's final message is the summary the next step reads.
    if (!result.handoff && agent?.final_message && outcome.status === 'success')
      result.handoff = {
        summary: redact(agent.final_message),
        next_actions: [],
        open_questions: [],
        artifacts: [],
      };
    let worktree: Record<string, unknown> = {};
    if (w && stage && prepared?.ok) {
      const summary = (result.handoff as { summary?: string } | undefined)?.summary ?? null;
      const f = await finishWorktree(stage, s, w, prepared, outcome, summary);
      outcome = f.outcome;
      worktree = { worktree: f.report };
    }
    this.finish(
      live,
      { ...outcome, message: redact(result.note ? `${outcome.message} (${result.note})` : outcome.message) },
      {
        started_at: spawned ? startedAt : null,
        // Already redacted as a stream (a tail may start inside a marker; it never holds a secret).
        stdout: output.stdout.text(),
        stderr: output.stderr.text(),
        ...(result.handoff ? { handoff: result.handoff } : {}),
        ...(result.artifacts ? { artifacts: result.artifacts } : {}),
        ...(agent ? { agent: redactAgent(agent, redact) } : {}),
        ...worktree,
      },
    );
    await output.close(2000);
  }

  /** What an attempt's output, files and reports are redacted with: our tokens and the usual shapes. */
  private redactorFor(s: RunnerSubmit): Redactor {
    const own = parseCredential(this.d.credential?.() ?? null);
    return makeRedactor([this.d.runnerToken, s.status_callback_token, ...(own ? [own.secret] : [])]);
  }

  /**
   * The task's lock paths (shared-workspace, usually), taken again host-wide before the agent spawns: the API enforces them at
   * dispatch; this catches a second runner on the host, or an API that lost track. A refusal is the
   * attempt's outcome (failed at spawn), and nothing ran.
   */
  private async lockPaths(live: Live): Promise<Outcome | null> {
    const s = live.submit;
    const paths = s.lock_paths ?? [];
    if (paths.length === 0 || !this.d.pathLocks) return null;
    const r = await this.d.pathLocks.acquire({ task_id: s.task_id, attempt: s.attempt, paths });
    if (r.ok) {
      live.releaseLock = r.release;
      return null;
    }
    const h = r.holder;
    return {
      status: 'failed',
      exit_code: null,
      failure_step: 'spawn',
      message:
        `PATH_LOCK_HELD: ${r.path} overlaps ${r.held_path}, held on this host by task ${h.task_id} ` +
        `attempt ${h.attempt} (runner ${h.runner}, pid ${h.pid}); the agent was not started`,
    };
  }

  /** The bubblewrap sandbox of a workspace attempt, when this runner uses one (or the task demands it). */
  private sandboxOf(
    s: RunnerSubmit,
    cwd: string,
    attemptDir: string,
    gitCommonDir: string | null,
  ): SandboxRequest | { refused: Outcome } | null {
    const sb = this.d.sandbox;
    const workspace = s.execution_mode === 'shared-workspace' || s.execution_mode === 'isolated-worktree';
    if (s.sandbox_required && !sb?.enabled) {
      return {
        refused: {
          status: 'failed',
          exit_code: null,
          failure_step: 'spawn',
          message: `SANDBOX_UNAVAILABLE: the task requires a sandbox and this runner has none (${sb?.message ?? 'sandbox off'})`,
        },
      };
    }
    if (!sb?.enabled || !(workspace || s.sandbox_required)) return null;
    const ledger = this.d.config.ledgerFile;
    return {
      bin: sb.bin,
      ...sandboxFor({
        cwd,
        attemptDir,
        agentHome: null,
        gitCommonDir,
        readonlyPaths: [resolveAgentCliCacheRoot(this.d.config.childEnv)],
        writablePaths: fs.existsSync(ledger) ? [ledger] : [],
        // Agents need their model API; the role or the task's sandbox may turn the network off.
        network:
          s.role?.execution_constraints?.network !== false &&
          (s.sandbox as { network?: unknown } | null | undefined)?.network !== false,
        executorBinPaths: [],
      }),
    };
  }

  /** The git stage's dependencies for one attempt (null: no git library on this runner). */
  private stage(live: Live): StageDeps | null {
    if (!this.d.git) return null;
    const s = live.submit;
    const superseded = () => (this.d.journal.newest(s.task_id)?.attempt ?? s.attempt) !== s.attempt;
    return {
      git: this.d.git,
      transport: this.d.transport,
      logger: this.d.logger,
      fenceWaitMs: FENCE_WAIT_MS,
      keepOnSuccess: this.d.config.keepWorktrees === 'always',
      // A newer attempt submitted here, or a kill (cancel, supersede, shutdown): never write to git.
      locallyCurrent: () => live.killReason === null && !superseded(),
      superseded,
    };
  }

  /** The run's merge task: no agent, the runner lands the steps' commits itself. */
  private async runMerge(
    live: Live,
    stage: StageDeps,
    w: NonNullable<RunnerSubmit['worktree']> & {
      merge: NonNullable<NonNullable<RunnerSubmit['worktree']>['merge']>;
    },
  ): Promise<void> {
    const s = live.submit;
    const startedAt = this.nowIso();
    this.d.journal.markRunning(
      s.task_id,
      s.attempt,
      { pid: null, proc_start: null, started_at: startedAt },
      null,
      this.d.clock.now(),
    );
    const r = await landRun(stage, s, w);
    this.finish(live, r.outcome, { started_at: startedAt, worktree: r.report });
  }

  private finish(live: Live, o: Outcome, extra: Record<string, unknown> = {}): void {
    const s = live.submit;
    const finishedAt = this.nowIso();
    const written = this.d.journal.finish(
      s.task_id,
      s.attempt,
      {
        status: o.status,
        exit_code: o.exit_code,
        finished_at: finishedAt,
        message: o.message,
        failure_step: o.failure_step,
      },
      this.report(s, 'terminal', {
        status: o.status,
        exit_code: o.exit_code,
        finished_at: finishedAt,
        message: o.message,
        failure_step: o.failure_step,
        ...extra,
      }),
      this.d.clock.now(),
      // A running report still waiting is superseded; one on the wire keeps its place.
      this.d.outbox.inFlight(s.task_id, s.attempt),
    );
    this.live.delete(key(s.task_id, s.attempt));
    if (live.releaseLock) {
      const release = live.releaseLock;
      live.releaseLock = undefined;
      release().catch((err: unknown) =>
        this.d.logger.warn({ err, taskId: s.task_id, attempt: s.attempt }, 'path lock release failed'),
      );
    }
    live.settle();
    if (written) this.d.outbox.wake();
    this.summary.count(o.status);
    // Successes only at debug (the summary counts them); every other outcome keeps its info line.
    const level = o.status === 'success' ? 'debug' : 'info';
    if (!this.d.logger.isLevelEnabled(level)) return;
    this.d.logger[level](
      {
        taskId: s.task_id,
        attempt: s.attempt,
        status: o.status,
        failureStep: o.failure_step,
        pid: live.proc?.pid ?? null,
      },
      `attempt ${o.status}: ${o.message}`,
    );
  }
}

/**
 * One info line every 10 s with the outcomes of the attempts that finished in it: under load a line
 * per successful attempt cost the runner ~4 % of its CPU (serializing and writing it), and said little
 * the API's events do not. Failed, canceled and timed-out attempts keep their own info line.
 */
export class OutcomeSummary {
  private counts: Record<string, number> = {};
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly everyMs = 10_000,
  ) {}

  count(status: string): void {
    this.counts[status] = (this.counts[status] ?? 0) + 1;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.everyMs);
    this.timer.unref();
  }

  /** Log what was counted since the last line (also at shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const counts = this.counts;
    this.counts = {};
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (total > 0) this.logger.info({ finished: counts, total }, `${total} attempts finished`);
  }
}

/**
 * The submit as the journal keeps it: redacted like prompt.txt (the prompt, role and parameters are
 * never read back: a restarted runner reports the attempt failed, it does not run it again), with the
 * callback URLs and token kept raw, since recovery sends the terminal report with them.
 */
export function journalCopy(s: RunnerSubmit, redact: Redactor): RunnerSubmit {
  return {
    ...redactDeep(s, redact),
    status_callback_url: s.status_callback_url,
    status_callback_token: s.status_callback_token,
    log_callback_url: s.log_callback_url,
  };
}
