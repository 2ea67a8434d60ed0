import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import { startRunner } from '../../src/runner/index.js';
import { withResultSection } from '../../src/executors/resultSection.js';
import { FIXTURES_BIN, FakeApi, TOKEN, call, tempDir, until } from '../fixtures/runner/fakeApi.js';

/**
 * The codex, claude and command executors end to end: a real runner spawns the fake CLIs from
 * test/fixtures/bin, which parse their arguments like the real ones and record how they were called.
 */
describe('executor adapters end to end', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(over: Partial<RunnerConfig>, env: Record<string, string> = {}) {
    const api = await new FakeApi().start();
    const dir = tempDir();
    const record = path.join(dir, 'calls.jsonl');
    const base = testRunnerConfig(path.join(dir, 'runner'), api.url, TOKEN);
    const config = { ...base, ...over, childEnv: { ...base.childEnv, FAKE_AGENT_RECORD: record, ...env } };
    const runner = await startRunner(config);
    cleanups.push(
      () => fs.rmSync(dir, { recursive: true, force: true }),
      () => api.close(),
      () => runner.stop({ drainMs: 0, flushMs: 0 }),
    );
    const calls = () =>
      fs.existsSync(record)
        ? fs
            .readFileSync(record, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map(
              (l) =>
                JSON.parse(l) as { argv: string[]; prompt: string; cwd: string; env: Record<string, string> },
            )
        : [];
    const run = async (task: number, prompt: string, over: Partial<RunnerSubmit> = {}) => {
      await call(runner.url, 'POST', '/tasks/submit', api.submit(task, { prompt, ...over }));
      return until(
        () => api.acked(task).find((b) => b.status !== 'running') as Record<string, any> | undefined,
        `terminal report of task ${task}`,
      );
    };
    return { api, runner, config, calls, run };
  }

  const codex = { executor: 'codex' as const, codexBin: path.join(FIXTURES_BIN, 'codex') };
  const claude = { executor: 'claude' as const, claudeBin: path.join(FIXTURES_BIN, 'claude') };
  const attemptDir = (config: RunnerConfig, task: number) =>
    path.join(config.dataDir, 'attempts', `task-${task}-attempt-1`);

  it('codex: `exec --json -s workspace-write …` in its own home; the final message is the summary and the handoff', async () => {
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const operatorCodex = path.join(dir, 'operator-codex');
    fs.mkdirSync(operatorCodex);
    fs.writeFileSync(path.join(operatorCodex, 'config.toml'), 'model = "gpt-5"\n');
    fs.writeFileSync(path.join(operatorCodex, 'auth.json'), '{"OPENAI_API_KEY":"sk-test"}');
    fs.writeFileSync(path.join(operatorCodex, 'history.jsonl'), 'not copied');
    const { calls, run, config } = await setup(codex, { CODEX_HOME: operatorCodex });
    const prompt = 'Role: reviewer\n\nTask: review the diff';
    const done = await run(1, prompt);
    expect(done).toMatchObject({ status: 'success', exit_code: 0 });
    expect(done.stderr).toContain('OpenAI Codex');
    const home = path.join(attemptDir(config, 1), 'home');
    const [c] = calls() as Array<Record<string, any>>;
    expect(c.argv).toEqual([
      'exec',
      '--json',
      '-s',
      'workspace-write',
      '-c',
      `sandbox_workspace_write.writable_roots=${JSON.stringify([attemptDir(config, 1)])}`,
      '--disable',
      'unbounded_connection_retries',
      '--skip-git-repo-check',
      withResultSection(prompt, path.join(attemptDir(config, 1), 'result.json')),
    ]);
    expect(c.env).toMatchObject({
      HOME: home,
      CODEX_HOME: path.join(home, '.codex'),
      TMPDIR: path.join(attemptDir(config, 1), 'tmp'),
    });
    expect(c.seeded).toEqual(['auth.json', 'config.toml']);
    expect(c.stdinIsTty).toBe(true); // /dev/null, not a pipe
    // The copied credentials do not outlive the attempt.
    expect(fs.readdirSync(path.join(home, '.codex'))).toEqual(['config.toml', 'sessions']);
    expect(done.agent).toMatchObject({
      agent: 'codex',
      session_id: '0199a000-0000-7000-8000-00000000c0de',
      final_message: 'codex done: Role: reviewer',
      turns: 1,
      usage: { input_tokens: 1200, cached_input_tokens: 300, output_tokens: 80 },
      cost_usd: null,
      verdict: 'ok',
      permission_denials: [],
    });
    expect(done.handoff).toMatchObject({ summary: 'codex done: Role: reviewer' });
  });

  it('codex: in a git repository without --skip-git-repo-check; flag-like prompt after --; runner and role args', async () => {
    const { calls, run, config } = await setup({ ...codex, codexArgs: ['-m', 'gpt-5-mini'] });
    const repo = tempDir();
    cleanups.push(() => fs.rmSync(repo, { recursive: true, force: true }));
    fs.mkdirSync(path.join(repo, '.git'));
    const done = await run(1, '--fix everything', {
      execution_mode: 'shared-workspace',
      workspace: { root_path: repo },
      role: { id: 1, name: 'r', execution_constraints: { agent_args: ['--enable', 'x'] } },
    });
    expect(done.status).toBe('success');
    const argv = calls()[0]!.argv;
    expect(argv).not.toContain('--skip-git-repo-check');
    expect(argv.slice(-6)).toEqual([
      '-m',
      'gpt-5-mini',
      '--enable',
      'x',
      '--',
      withResultSection('--fix everything', path.join(attemptDir(config, 1), 'result.json')),
    ]);
    expect(done.agent).toMatchObject({ model: 'gpt-5-mini' });
  });

  it('codex: a real write succeeds; a read-only role writes nothing and is not failed for it', async () => {
    const { run, config } = await setup(codex, { FAKE_AGENT_WRITE: 'out.txt' });
    const done = await run(1, 'write it');
    expect(done.status).toBe('success');
    expect(fs.existsSync(path.join(config.workDir, 'out.txt'))).toBe(true);
    expect(done.agent.files_changed).toEqual([path.join(config.workDir, 'out.txt')]);
    fs.rmSync(path.join(config.workDir, 'out.txt'));
    const ro = await run(2, 'review it', {
      role: { id: 1, name: 'reviewer', execution_constraints: { read_only: true } },
    });
    expect(ro.status).toBe('success');
    expect(fs.existsSync(path.join(config.workDir, 'out.txt'))).toBe(false);
    expect(ro.agent.permission_denials).toEqual([
      { tool: 'apply_patch', target: path.join(config.workDir, 'out.txt') },
    ]);
  });

  it('codex: exit 0 after turn.failed or a final error event is a failed attempt with the agent error', async () => {
    for (const scenario of ['turn_failed', 'error'] as const) {
      const { run } = await setup(codex, { FAKE_AGENT_SCENARIO: scenario });
      const done = await run(1, 'do it');
      expect(done).toMatchObject({
        status: 'failed',
        exit_code: 0,
        failure_step: 'run',
        agent: { verdict: 'agent-error', is_error: true },
      });
      expect(done.message).toMatch(
        /the agent reported an error \(exit code 0\): (stream disconnected|unexpected status 401)/,
      );
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });

  it('codex: a failing model call is a failed task with its exit code and stderr', async () => {
    const { run } = await setup(codex, { FAKE_AGENT_EXIT_CODE: '3' });
    const done = await run(1, 'do it');
    expect(done).toMatchObject({ status: 'failed', exit_code: 3, failure_step: 'run' });
    expect(done.stderr).toContain('model request failed');
  });

  it("claude: `-p --output-format stream-json --verbose`, exactly the role's tools; writes, result file, summary", async () => {
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, '.claude'));
    fs.writeFileSync(path.join(dir, '.claude', '.credentials.json'), '{"claudeAiOauth":{}}');
    fs.writeFileSync(path.join(dir, '.claude', 'settings.json'), '{}');
    const result = { summary: 'wrote out.txt', next_actions: ['review it'], open_questions: [] };
    const { calls, run, config } = await setup(
      { ...claude, claudeArgs: ['--model', 'sonnet'] },
      { HOME: dir, FAKE_AGENT_WRITE: 'out.txt', FAKE_AGENT_RESULT: JSON.stringify(result) },
    );
    const done = await run(1, 'write the tests', {
      role: { id: 1, name: 'coder', allowed_tools: ['Read', 'Write', 'Bash(npm test)'] },
    });
    expect(done).toMatchObject({ status: 'success', exit_code: 0 });
    const [c] = calls() as Array<Record<string, any>>;
    expect(c.argv).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--add-dir',
      attemptDir(config, 1),
      '--allowedTools',
      'Read,Write,Bash(npm test)',
      '--session-id',
      c.argv[c.argv.indexOf('--session-id') + 1],
      '--model',
      'sonnet',
      '--',
      withResultSection('write the tests', path.join(attemptDir(config, 1), 'result.json')),
    ]);
    expect(c.env.CLAUDE_CONFIG_DIR).toBe(path.join(attemptDir(config, 1), 'home', '.claude'));
    expect(c.seeded).toEqual(['.credentials.json']);
    // The runner chose the session id up front (a fresh uuid), and claude used it.
    expect(c.argv[c.argv.indexOf('--session-id') + 1]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(fs.readFileSync(path.join(config.workDir, 'out.txt'), 'utf8')).toContain('fake agent');
    expect(done.handoff).toMatchObject(result);
    expect(done.agent).toMatchObject({
      agent: 'claude',
      session_id: c.argv[c.argv.indexOf('--session-id') + 1],
      model: 'sonnet',
      turns: 3,
      cost_usd: 0.0369,
      usage: {
        input_tokens: 300,
        cached_input_tokens: 150,
        cache_creation_input_tokens: 30,
        output_tokens: 60,
      },
      verdict: 'ok',
      final_message: 'claude done: write the tests',
    });
  });

  it('claude: a denied write is a failed attempt (agent-permission-denied) although claude exits 0', async () => {
    const elsewhere = tempDir();
    cleanups.push(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
    const target = path.join(elsewhere, 'x.txt');
    const { run } = await setup(claude, { FAKE_AGENT_WRITE: target });
    const done = await run(1, 'write outside');
    expect(done).toMatchObject({
      status: 'failed',
      exit_code: 0,
      failure_step: 'run',
      agent: { verdict: 'permission-denied', permission_denials: [{ tool: 'Write', target }] },
    });
    expect(done.message).toContain(`the agent was denied permission (exit code 0): Write ${target}`);
    expect(done.handoff).toBeUndefined();
    expect(fs.existsSync(target)).toBe(false);
    // Allowed by the role: the same write goes through.
    const ok = await run(2, 'write outside', { role: { id: 1, name: 'r', allowed_tools: ['Write'] } });
    expect(ok.status).toBe('success');
    expect(fs.existsSync(target)).toBe(true);
  });

  it('claude: is_error with exit 0, or no result event, is a failed attempt (agent-error)', async () => {
    for (const scenario of ['is_error', 'no_result'] as const) {
      const { run } = await setup(claude, { FAKE_AGENT_SCENARIO: scenario });
      const done = await run(1, 'x');
      expect(done).toMatchObject({
        status: 'failed',
        exit_code: 0,
        agent: { verdict: scenario === 'is_error' ? 'agent-error' : 'no-result' },
      });
      expect(done.message).toMatch(
        scenario === 'is_error' ? /API Error: 500/ : /without its final result event/,
      );
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });

  it('claude: a read-only role gets no edit tools at all', async () => {
    const { calls, run, config } = await setup(claude, { FAKE_AGENT_WRITE: 'out.txt' });
    const done = await run(1, 'review', {
      role: { id: 1, name: 'reviewer', execution_constraints: { read_only: true } },
    });
    expect(done.status).toBe('success');
    expect(calls()[0]!.argv.slice(0, 6)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--disallowedTools',
      'Write,Edit,MultiEdit,NotebookEdit',
    ]);
    expect(fs.existsSync(path.join(config.workDir, 'out.txt'))).toBe(false);
  });

  it('claude: a missing binary fails the task at once with step spawn, naming the binary', async () => {
    const { run, api } = await setup({ executor: 'claude', claudeBin: 'claude-not-installed-xyz' });
    const done = await run(1, 'x');
    expect(done).toMatchObject({
      status: 'failed',
      failure_step: 'spawn',
      message: expect.stringContaining("'claude-not-installed-xyz' is not on PATH"),
    });
    expect(api.acked(1).map((b) => b.status)).toEqual(['failed']);
  });

  it('command: prompt as an argument, in MULTYAGENTS_PROMPT, or on stdin — never through a shell', async () => {
    const script =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({argv:process.argv.slice(1),env:process.env.MULTYAGENTS_PROMPT??null,stdin:s})))';
    const prompt = 'it\'s "$(rm -rf /)"; `x`';
    for (const via of ['arg', 'env', 'stdin'] as const) {
      const { run } = await setup({
        executor: 'command',
        commandArgv: [process.execPath, '-e', script, '--', via === 'arg' ? 'p={prompt}' : 'static'],
        commandPromptVia: via,
      });
      const done = await run(1, prompt);
      expect(done.status).toBe('success');
      const seen = JSON.parse(String(done.stdout)) as { argv: string[]; env: string | null; stdin: string };
      expect(seen.argv).toEqual([via === 'arg' ? `p=${prompt}` : 'static']);
      expect(seen.env).toBe(via === 'env' ? prompt : null);
      expect(seen.stdin).toBe(via === 'stdin' ? prompt : '');
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });
});
