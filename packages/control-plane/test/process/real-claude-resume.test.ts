import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { http } from '../helpers/procs.js';
import { realAgentSuite } from '../helpers/realAgents.js';

/**
 * A retry resumes the agent's session, with the REAL pinned claude against the scripted model server:
 * attempt 1 writes a file, then the model server fails the next turn (claude reports is_error, the
 * role retries on agent-error); attempt 2 runs `claude --resume <the same session>` in the same home
 * and cwd, and claude resends the earlier conversation (the scripted server sees attempt 1's tool
 * result in the request).
 */
/** The opening line the executor puts before the prompt of a resumed attempt. */
const RESUMED = 'Continue from where you left off';

const suite = realAgentSuite('claude-resume');

describe('resume with the real claude', () => {
  it('attempt 2 continues the session of the failed attempt 1, and the run succeeds', async () => {
    const s = await suite.stack('claude');
    const sim = suite.sim;

    const marker = 'MARK-claude-resume';
    // First in order: a resumed request carries both user messages, and this script answers it.
    sim.script(RESUMED, { turns: [], final: 'resumed and done' });
    sim.script(marker, {
      turns: [
        { write: { path: 'first.txt', content: 'from attempt 1\n' } },
        { error: { status: 500, message: 'scripted outage' } },
      ],
    });
    const { run } = await suite.runWorkflow(
      s,
      {
        execution_constraints: {
          retry_policy: { max_retries: 1, retry_on: ['agent-error'], backoff_initial_ms: 0, jitter: 0 },
        },
      },
      [{ step_id: 'w', title: 'Write', description: marker }],
    );
    const taskId = (run.task_ids as number[])[0]!;
    const audit = (await http('GET', `${s.base}/tasks/${taskId}/audit`)).body;
    const why = JSON.stringify(audit, null, 1).slice(0, 8000);
    expect(run.status, why).toBe('success');
    expect(fs.readFileSync(path.join(s.repo, 'first.txt'), 'utf8')).toBe('from attempt 1\n');

    const [a1, a2] = audit.attempts as Array<Record<string, any>>;
    expect(a1, why).toMatchObject({ attempt: 1, status: 'failed', failure_category: 'agent-error' });
    expect(a1!.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a2, why).toMatchObject({ attempt: 2, status: 'success', session_id: a1!.session_id });
    expect(audit.task.agent, why).toMatchObject({
      session_id: a1!.session_id,
      resumed: true,
      resumed_from: 1,
      final_message: 'resumed and done',
    });
    const resumedEvents = (audit.events as Array<Record<string, any>>).filter(
      (e) => e.event_type === 'task.session_resumed',
    );
    expect(resumedEvents.map((e) => e.payload)).toEqual([
      { attempt: 2, session_id: a1!.session_id, from_attempt: 1 },
    ]);

    // The server saw the earlier conversation again: attempt 1's prompt and its tool result.
    const resumed = sim.requests(RESUMED);
    expect(resumed.length, why).toBeGreaterThan(0);
    expect(resumed[0]!.prompt).toContain(marker);
    expect(resumed[0]!.toolResults.length).toBeGreaterThanOrEqual(1);
  }, 150_000);
});
