import type { AgentSummary } from '../../lib/types';
import { Status } from '../common';
import { tokens, usd } from './format';

/**
 * What the coding agent said about one attempt (`attempt` null: the current one): session, turns,
 * tokens, cost, refusals.
 */
export function AgentSession({ agent, attempt = null }: { agent: AgentSummary; attempt?: number | null }) {
  const u = agent.usage;
  return (
    <section aria-label="Agent session" className="card agent-session">
      <h4>
        Agent session{attempt !== null ? ` of attempt ${attempt}` : ''} <Status value={agent.verdict} />
      </h4>
      <dl className="facts">
        <dt>Agent</dt>
        <dd>{agent.agent}</dd>
        <dt>Model</dt>
        <dd>{agent.model ?? '—'}</dd>
        <dt>Session</dt>
        <dd>{agent.session_id ? <code>{agent.session_id}</code> : '—'}</dd>
        <dt>Turns</dt>
        <dd>{agent.turns ?? '—'}</dd>
        <dt>Tokens in</dt>
        <dd data-testid="tokens-in">{tokens(u?.input_tokens)}</dd>
        <dt>Cached</dt>
        <dd data-testid="tokens-cached">{tokens(u?.cached_input_tokens)}</dd>
        <dt>Tokens out</dt>
        <dd data-testid="tokens-out">{tokens(u?.output_tokens)}</dd>
        <dt>Cost</dt>
        <dd data-testid="cost">{agent.cost_usd === null ? 'not reported' : usd(agent.cost_usd)}</dd>
      </dl>
      {agent.resumed !== undefined && (
        <p className="muted">
          {agent.resumed ? `resumed the session of attempt ${agent.resumed_from ?? '?'}` : 'fresh session'}
          {agent.resume_note ? ` (${agent.resume_note})` : ''}
        </p>
      )}
      {agent.error && (
        <p>
          Agent error: <code>{agent.error}</code>
        </p>
      )}
      <h5>Permission denials ({agent.permission_denials.length})</h5>
      {agent.permission_denials.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul aria-label="Permission denials">
          {agent.permission_denials.map((d, i) => (
            <li key={i}>
              <code>{d.tool}</code> {d.target ? <code>{d.target}</code> : null}
            </li>
          ))}
        </ul>
      )}
      <h5>Tool errors ({agent.tool_errors.length})</h5>
      {agent.tool_errors.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul aria-label="Tool errors">
          {agent.tool_errors.map((t, i) => (
            <li key={i}>
              <code>{t.tool}</code>
              {t.exit_code !== null && t.exit_code !== undefined ? ` (exit ${t.exit_code})` : ''}: {t.message}
            </li>
          ))}
        </ul>
      )}
      {agent.files_changed.length > 0 && (
        <p>
          Files the agent says it changed:{' '}
          {agent.files_changed.map((f) => (
            <code key={f}>{f} </code>
          ))}
        </p>
      )}
      {agent.final_message && (
        <details>
          <summary>Final message</summary>
          <pre className="final-message">{agent.final_message}</pre>
        </details>
      )}
    </section>
  );
}
