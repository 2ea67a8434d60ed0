/**
 * Exit code 0 does not mean the work was done (docs/architecture.md, "Executors"): a coding agent
 * that was refused its writes, or whose model call failed, still exits 0. Pure: the agent's own
 * account, read from its event stream, turns such a "success" into a failure the API can triage.
 */
import type { AgentSummary } from '@multyagents/contracts';
import { emptyReading, type AgentKind, type AgentReading } from '../executors/agentStream.js';
import type { AgentSession } from '../executors/types.js';
import type { Outcome } from './decisions.js';

/**
 * `agent-error`: the agent said it failed (claude is_error, codex turn.failed / error);
 * `permission-denied`: it was refused a tool or a write — unless its role is read-only, where
 * refusals are expected; `no-result`: it never sent its closing event (claude `result`, codex
 * `turn.completed`), so nothing says the work was done.
 */
export function agentVerdict(r: AgentReading, readOnly: boolean): AgentSummary['verdict'] {
  if (r.is_error) return 'agent-error';
  if (r.permission_denials.length > 0 && !readOnly) return 'permission-denied';
  if (!r.finished) return 'no-result';
  return 'ok';
}

export function agentSummary(r: AgentReading, readOnly: boolean): AgentSummary {
  const { finished: _finished, ...rest } = r;
  return { ...rest, verdict: agentVerdict(r, readOnly) };
}

/**
 * The summary of an agent still running (the `running` report) or whose runner died under it
 * (recovery): only its session is known, so a retry can resume it.
 */
export function sessionSummary(kind: AgentKind, s: AgentSession): AgentSummary {
  return { ...agentSummary(emptyReading(kind), false), ...s };
}

/** The executor name as an agent kind, or null for the mock and command executors. */
export const agentKindOf = (name: string): AgentKind | null =>
  name === 'codex' || name === 'claude' ? name : null;

function denialText(a: AgentSummary): string {
  const list = a.permission_denials.slice(0, 5).map((d) => (d.target ? `${d.tool} ${d.target}` : d.tool));
  const more = a.permission_denials.length > 5 ? ` and ${a.permission_denials.length - 5} more` : '';
  return `${list.join(', ')}${more}`;
}

/**
 * The outcome once the agent's account is known. Only a clean exit is overruled; a kill, a timeout
 * or a non-zero exit keeps its own outcome, with the agent's error added to the message.
 */
export function judgeAgent(o: Outcome, a: AgentSummary | undefined): Outcome {
  if (!a || o.failure_step === 'timeout' || o.status === 'canceled' || o.failure_step === 'runner-restarted')
    return o;
  const exit = o.exit_code === null ? '' : ` (exit code ${o.exit_code})`;
  if (o.status === 'failed') return a.error ? { ...o, message: `${o.message}: ${a.error}` } : o;
  switch (a.verdict) {
    case 'ok':
      return o;
    case 'agent-error':
      return {
        ...o,
        status: 'failed',
        failure_step: 'run',
        message: `the agent reported an error${exit}: ${a.error ?? 'is_error'}`,
      };
    case 'permission-denied':
      return {
        ...o,
        status: 'failed',
        failure_step: 'run',
        message: `the agent was denied permission${exit}: ${denialText(a)}`,
      };
    case 'no-result':
      return {
        ...o,
        status: 'failed',
        failure_step: 'run',
        message: `the agent ended without its final ${a.agent === 'claude' ? 'result' : 'turn.completed'} event${exit}: its outcome is unknown`,
      };
  }
}
