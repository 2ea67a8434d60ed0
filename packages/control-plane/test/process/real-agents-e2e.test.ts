import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESULT_FILE_IN_PROMPT } from '../../src/executors/resultSection.js';
import { realAgentSuite, type Stack } from '../helpers/realAgents.js';

/**
 * The product's own codex and claude executors with the REAL pinned CLIs: a real API and a real runner
 * (`--executor claude|codex`, `--claude-bin`/`--codex-bin` the installed binaries) whose environment
 * points the CLI at the scripted model server. Judged from evidence — files on disk, the task's `agent`
 * summary, what the model server received — never from exit codes.
 */
const suite = realAgentSuite('agents-e2e');

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null);
const why = (tasks: Array<Record<string, any>>) => JSON.stringify(tasks, null, 1).slice(0, 6000);

describe.each(['claude', 'codex'] as const)('the %s executor with the real CLI', (kind) => {
  let s: Stack;
  beforeAll(async () => {
    s = await suite.stack(kind);
  }, 60_000);

  it('a one-step workflow writes the scripted file in the project; the task shows the session and turns', async () => {
    const marker = `MARK-${kind}-one`;
    suite.sim.script(marker, {
      turns: [
        { say: 'Writing it.', write: { path: 'hello.txt', content: `hello from ${kind}\n` } },
        { say: 'wrote hello.txt' },
      ],
    });
    const { run, tasks } = await suite.runWorkflow(s, {}, [
      { step_id: 'write', title: 'Write hello.txt', description: marker },
    ]);
    expect(run.status, why(tasks)).toBe('success');
    expect(read(path.join(s.repo, 'hello.txt'))).toBe(`hello from ${kind}\n`);
    const agent = tasks[0]!.agent;
    expect(agent).toMatchObject({
      agent: kind,
      verdict: 'ok',
      is_error: false,
      final_message: 'wrote hello.txt',
    });
    expect(agent.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(agent.turns).toBe(kind === 'claude' ? 2 : 1); // claude counts model turns, codex turns of the thread
    expect(agent.usage.output_tokens).toBeGreaterThan(0);
    // The CLI ran in the project's work dir and its requests came to the scripted server only.
    const seen = suite.sim.requests(marker);
    expect(seen.map((r) => r.call)).toEqual([kind === 'claude' ? 'Write' : 'apply_patch', null]);
    expect(seen[0]!.cwd).toBe(fs.realpathSync(s.repo));
  });

  it('plan → build: the plan writes its result file, and the build prompt carries its handoff', async () => {
    const [planMark, buildMark] = [`MARK-${kind}-plan`, `MARK-${kind}-build`];
    const handoff = {
      summary: `PLAN-${kind}: create build.txt holding the word built`,
      next_actions: ['write build.txt'],
      open_questions: [],
      artifacts: [{ artifact_type: 'file', location: 'PLAN.md', summary: 'the plan' }],
    };
    suite.sim.script(planMark, {
      turns: [
        { write: { path: 'PLAN.md', content: '# Plan\n1. build.txt\n' } },
        { write: { pathInPrompt: RESULT_FILE_IN_PROMPT, content: JSON.stringify(handoff) } },
        { say: 'planned' },
      ],
    });
    suite.sim.script(buildMark, {
      turns: [{ write: { path: 'build.txt', content: 'built\n' } }, { say: 'built' }],
    });
    const { run, tasks } = await suite.runWorkflow(s, {}, [
      { step_id: 'plan', title: 'Plan', description: planMark },
      { step_id: 'build', title: 'Build', description: buildMark, depends_on: ['plan'] },
    ]);
    expect(run.status, why(tasks)).toBe('success');
    expect(read(path.join(s.repo, 'PLAN.md'))).toBe('# Plan\n1. build.txt\n');
    expect(read(path.join(s.repo, 'build.txt'))).toBe('built\n');
    const plan = tasks.find((t) => t.step_id === 'plan')!;
    const resultFile = path.join(s.runnerDir, 'attempts', `task-${plan.id}-attempt-1`, 'result.json');
    expect(JSON.parse(read(resultFile) ?? 'null')).toEqual(handoff);
    // The plan agent read the result file's path off the prompt's # Result section.
    expect(suite.sim.requests(planMark)[0]!.prompt).toContain(`write your result as JSON to ${resultFile}`);
    const buildPrompt = suite.sim.requests(buildMark)[0]!.prompt;
    expect(buildPrompt).toContain('# Context from upstream steps\n## plan\n' + handoff.summary);
    expect(buildPrompt).toContain('- write build.txt');
  });

  if (kind === 'claude') {
    it('a role whose allowed_tools omit Write: nothing written, agent-permission-denied naming Write', async () => {
      const marker = 'MARK-claude-nowrite';
      suite.sim.script(marker, {
        turns: [{ write: { path: 'denied.txt', content: 'no\n' } }, { say: 'tried' }],
      });
      const { run, tasks } = await suite.runWorkflow(s, { allowed_tools: ['Read'] }, [
        { step_id: 'write', title: 'Write denied.txt', description: marker },
      ]);
      expect(fs.existsSync(path.join(s.repo, 'denied.txt'))).toBe(false);
      expect(run.status, why(tasks)).toBe('failed');
      const t = tasks[0]!;
      expect(t).toMatchObject({ status: 'failed', failure_category: 'agent-permission-denied' });
      expect(t.agent).toMatchObject({
        verdict: 'permission-denied',
        permission_denials: [{ tool: 'Write' }],
      });
      expect(t.failure_triage_hints.join('\n')).toMatch(/denied: Write .*denied\.txt/);
      expect(t.suggested_next_actions.join('\n')).toContain("allow Write in the role's allowed_tools");
    });
  } else {
    // What the product does: a read-only role is expected to be refused writes, so the task succeeds —
    // and codex emits no event at all for the patch its sandbox refused, so the only evidence is what is
    // missing: no file, `files_changed: []`. A read-only step's success never means a file was written.
    it('a read-only role writes nothing: success with files_changed [] and no trace of the refused patch', async () => {
      const marker = 'MARK-codex-readonly';
      suite.sim.script(marker, { turns: [{ write: { path: 'ro.txt', content: 'no\n' } }, { say: 'tried' }] });
      const { run, tasks } = await suite.runWorkflow(s, { execution_constraints: { read_only: true } }, [
        { step_id: 'write', title: 'Write ro.txt', description: marker },
      ]);
      expect(fs.existsSync(path.join(s.repo, 'ro.txt'))).toBe(false);
      const seen = suite.sim.requests(marker);
      expect(seen.at(-1)!.toolResults[0]!.output).toMatch(/read-only sandbox/);
      expect(run.status, why(tasks)).toBe('success');
      expect(tasks[0]!.agent).toMatchObject({
        verdict: 'ok',
        files_changed: [],
        permission_denials: [],
        tool_errors: [],
        final_message: 'tried',
      });
    });
  }

  it('nothing left loopback', () => {
    for (const r of suite.sim.requests())
      expect([r.method, r.host, r.status]).toEqual(['POST', `127.0.0.1:${suite.sim.port}`, 200]);
  });
});
