/**
 * Triage of a coding agent's failure from its own account (pure): denied tools name the tool and the
 * path, and the action says which grant of the role would have allowed it.
 */
import type { AgentSummary, FailureStep } from '@multyagents/contracts';
import type { TriageResult } from './triage.js';

type AgentFacts = Pick<AgentSummary, 'agent' | 'verdict' | 'permission_denials' | 'error' | 'tool_errors'>;

/** What to change so that the tool is allowed next time. */
function grantFor(agent: AgentFacts['agent'], tool: string): string {
  if (agent === 'codex')
    return `codex's sandbox refused ${tool}: give the role write access (not execution_constraints.read_only) and keep the write inside the workspace`;
  if (['Write', 'Edit', 'MultiEdit', 'NotebookEdit'].includes(tool))
    return `allow ${tool} in the role's allowed_tools (or keep the write inside the workspace, where edits are accepted)`;
  return `allow ${tool} in the role's allowed_tools (a rule such as ${tool}(npm test) allows one command)`;
}

/**
 * Null when the agent's account does not explain the failure: another step failed (spawn, timeout),
 * or the process failed without ever reaching its closing event (its output says more than we do).
 */
export function agentTriage(
  a: AgentFacts,
  step: FailureStep,
  exitCode: number | null | undefined,
  message?: string | null,
): TriageResult | null {
  if (step !== 'run' || (a.verdict === 'no-result' && exitCode !== 0)) return null;
  if (a.verdict === 'permission-denied') {
    const denied = a.permission_denials.slice(0, 10);
    const hints = [
      `the ${a.agent} agent was denied ${a.permission_denials.length} tool call(s) and could not do its work`,
      ...denied.map((d) => `denied: ${d.tool}${d.target ? ` ${d.target.slice(0, 300)}` : ''}`),
    ];
    const actions = [...new Set(denied.map((d) => grantFor(a.agent, d.tool)))];
    actions.push('rerun the step once the role allows what the task needs');
    return { category: 'agent-permission-denied', step, hints, actions };
  }
  if (a.verdict === 'agent-error' || a.verdict === 'no-result') {
    const hints = [
      a.verdict === 'no-result'
        ? `the ${a.agent} agent ended without its final event: nothing says the work was done`
        : `the ${a.agent} agent reported an error: ${(a.error ?? 'unknown').slice(0, 500)}`,
      ...a.tool_errors.slice(-3).map((e) => `tool error: ${e.tool}: ${e.message.slice(0, 300)}`),
    ];
    if (message) hints.push(message);
    return {
      category: 'agent-error',
      step,
      hints,
      actions: [
        "check the agent's model access (credentials, model server) on the runner host",
        'read the output tail (GET /tasks/{id}/logs)',
        'retry: add agent-error to the role retry_policy.retry_on if the error is transient',
      ],
    };
  }
  return null;
}
