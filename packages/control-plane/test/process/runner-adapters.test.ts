import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import { startRunner } from '../../src/runner/index.js';
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
            .map((l) => JSON.parse(l) as { argv: string[]; prompt: string; cwd: string })
        : [];
    const run = async (task: number, prompt: string) => {
      await call(runner.url, 'POST', '/tasks/submit', api.submit(task, { prompt }));
      return until(
        () => api.acked(task).find((b) => b.status !== 'running') as Record<string, any> | undefined,
        `terminal report of task ${task}`,
      );
    };
    return { api, runner, config, calls, run };
  }

  it('codex: runs `codex exec --skip-git-repo-check <prompt>` and reports its final message', async () => {
    const { calls, run, config } = await setup({
      executor: 'codex',
      codexBin: path.join(FIXTURES_BIN, 'codex'),
    });
    const prompt = 'Role: reviewer\n\nTask: review the diff';
    const done = await run(1, prompt);
    expect(done).toMatchObject({ status: 'success', exit_code: 0, stdout: 'codex done: Role: reviewer\n' });
    expect(done.stderr).toContain('OpenAI Codex');
    expect(calls()).toEqual([
      { cli: 'codex', argv: ['exec', '--skip-git-repo-check', prompt], prompt, cwd: config.workDir },
    ]);
  });

  it('codex: a prompt that looks like a flag is passed after --, extra args are honoured', async () => {
    const { calls, run } = await setup({
      executor: 'codex',
      codexBin: path.join(FIXTURES_BIN, 'codex'),
      codexArgs: ['--skip-git-repo-check', '--sandbox', 'workspace-write'],
    });
    const done = await run(1, '--fix everything');
    expect(done.status).toBe('success');
    expect(calls()[0].argv).toEqual([
      'exec',
      '--skip-git-repo-check',
      '--sandbox',
      'workspace-write',
      '--',
      '--fix everything',
    ]);
  });

  it('codex: a failing model call is a failed task with its exit code and stderr', async () => {
    const { run } = await setup(
      { executor: 'codex', codexBin: path.join(FIXTURES_BIN, 'codex') },
      { FAKE_AGENT_EXIT_CODE: '3' },
    );
    const done = await run(1, 'do it');
    expect(done).toMatchObject({ status: 'failed', exit_code: 3, failure_step: 'run' });
    expect(done.stderr).toContain('model request failed');
  });

  it('claude: runs `claude -p --output-format text <prompt>` and reports its answer', async () => {
    const { calls, run } = await setup(
      { executor: 'claude', claudeBin: path.join(FIXTURES_BIN, 'claude'), claudeArgs: ['--model', 'sonnet'] },
      { FAKE_AGENT_OUTPUT: 'All done.' },
    );
    const done = await run(1, 'write the tests');
    expect(done).toMatchObject({ status: 'success', stdout: 'All done.\n' });
    expect(calls()[0].argv).toEqual([
      '-p',
      '--output-format',
      'text',
      '--model',
      'sonnet',
      'write the tests',
    ]);
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
