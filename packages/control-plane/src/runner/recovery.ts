import type { RunnerSubmit } from '@multyagents/contracts';
import type { RunnerConfig } from '../config/runner.js';
import { killGroup, pidAlive, processStartTime } from '../executors/procfs.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { makeRedactor } from '../lib/redact.js';
import { logFileOf } from './attempts.js';
import { attemptDirOf, removeRawPrompt } from './attemptFiles.js';
import { agentKindOf, sessionSummary } from './agentOutcome.js';
import { planRecovery } from './decisions.js';
import type { Journal } from './journal.js';
import { fileTail } from './output.js';

/** Same pid and same kernel start time: the very process we spawned, not a reused pid. */
export function sameProcess(pid: number, procStart: string | null): boolean {
  return procStart !== null && pidAlive(pid) && processStartTime(pid) === procStart;
}

/**
 * Settle what a previous runner process left unfinished (see planRecovery): kill leftover agent trees
 * (the reaper normally did already), then report each attempt failed with step `runner-restarted`,
 * carrying the tail of its log file. Pending outbox reports stay in the journal and are delivered.
 */
export async function recoverJournal(
  journal: Journal,
  config: RunnerConfig,
  clock: Clock,
  logger: Logger,
  probe: (pid: number, procStart: string | null) => boolean = sameProcess,
): Promise<number> {
  const rows = journal.active();
  const plan = planRecovery(rows, probe);
  for (const a of plan) {
    const row = rows.find((r) => r.task_id === a.task_id && r.attempt === a.attempt)!;
    if (a.killGroup !== null) await killGroup(a.killGroup, Math.min(config.killGraceMs, 1000));
    const s = JSON.parse(row.submit) as RunnerSubmit;
    const redact = makeRedactor([s.status_callback_token]);
    // The agent is gone: its raw copy of the prompt goes too (the runner died before deleting it).
    removeRawPrompt(attemptDirOf(config, a.task_id, a.attempt));
    const tail = fileTail(logFileOf(config, a.task_id, a.attempt));
    const finishedAt = new Date(clock.now()).toISOString();
    // The session the agent had when the runner died: a retry can resume it (same data dir).
    const kind = agentKindOf(config.executor);
    const agent = kind && row.agent_session ? sessionSummary(kind, JSON.parse(row.agent_session)) : null;
    journal.finish(
      a.task_id,
      a.attempt,
      {
        status: 'failed',
        exit_code: null,
        finished_at: finishedAt,
        message: a.message,
        failure_step: 'runner-restarted',
      },
      {
        kind: 'terminal',
        url: s.status_callback_url,
        token: s.status_callback_token,
        body: {
          status: 'failed',
          attempt: a.attempt,
          exit_code: null,
          started_at: row.started_at,
          finished_at: finishedAt,
          message: a.message,
          failure_step: 'runner-restarted',
          stdout: tail === null ? null : redact(tail),
          ...(agent ? { agent } : {}),
        },
      },
      clock.now(),
    );
    logger.warn({ taskId: a.task_id, attempt: a.attempt, killed: a.killGroup }, a.message);
  }
  return plan.length;
}
