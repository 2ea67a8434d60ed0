import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import type { Executor } from '../../src/executors/types.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Attempts, logFileOf } from '../../src/runner/attempts.js';
import type { HttpAnswer, Transport } from '../../src/runner/http.js';
import { Journal } from '../../src/runner/journal.js';
import { Outbox } from '../../src/runner/outbox.js';
import { Reaper } from '../../src/runner/reaper.js';
import { RAW_PROMPT_FILE } from '../../src/runner/attemptFiles.js';
import { AttemptOutput } from '../../src/runner/output.js';
import { makeRedactor } from '../../src/lib/redact.js';
import { recoverJournal } from '../../src/runner/recovery.js';

const OPENAI = 'sk-proj' + 'Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1';
const GITHUB = 'ghp_' + 'QwErTyUiOpAsDfGhJkLz0123456789';
const RUNNER_TOKEN = 'runner-token-abcdef0123456789';
const CALLBACK = 'callback-token-0123456789';
const SECRETS = [OPENAI, GITHUB, RUNNER_TOKEN, CALLBACK];
/** The size of one pipe read: a secret that starts just before it ends in the next read. */
const PIPE_READ = 64 * 1024;

class RecordingTransport implements Transport {
  sent: Array<{ url: string; body: Record<string, unknown> }> = [];
  async post(url: string, _token: string, body: unknown): Promise<HttpAnswer> {
    this.sent.push({ url, body: body as Record<string, unknown> });
    return { status: 200, text: '{}', json: null };
  }
  async close() {}
}

function expectNoSecret(where: string, text: string): void {
  for (const s of SECRETS) expect(text.includes(s), `${where} holds ${s.slice(0, 8)}…`).toBe(false);
}

describe('runner: nothing raw on disk or on the wire', () => {
  let dir: string;
  let config: RunnerConfig;
  let journal: Journal;
  let transport: RecordingTransport;
  let outbox: Outbox;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-redact-'));
    config = testRunnerConfig(path.join(dir, 'runner'), 'http://api', RUNNER_TOKEN);
    journal = Journal.open(config.dbFile, { fsync: async () => {} });
    transport = new RecordingTransport();
    outbox = new Outbox(journal, transport, new FakeClock(), silentLogger, {
      capMs: 5000,
      concurrency: 8,
      random: () => 0.5,
      runnerId: () => 7,
    });
  });

  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const build = (executor: Executor, credential?: () => string | null) =>
    new Attempts({
      credential,
      config,
      journal,
      outbox,
      executor,
      transport,
      reaper: new Reaper(),
      clock: new FakeClock(),
      logger: silentLogger,
      runnerToken: RUNNER_TOKEN,
      runnerId: () => 7,
    });

  const submit = (task_id: number): RunnerSubmit => ({
    task_id,
    attempt: 1,
    run_id: 1,
    prompt: `use ${OPENAI} and push with token=${GITHUB}`,
    execution_mode: 'no-workspace',
    timeout_seconds: 60,
    status_callback_url: `http://api/runner/tasks/${task_id}/status`,
    status_callback_token: CALLBACK,
    log_callback_url: `http://api/runner/tasks/${task_id}/logs`,
  });

  it('redacts a secret straddling a 64 KiB read in the log file, the forwarded chunks and the tails; prompt and result files are redacted; the agent read the raw prompt', async () => {
    const attemptDir = path.join(config.dataDir, 'attempts', 'task-1-attempt-1');
    let agentPrompt = '';
    let rawDuringRun = false;
    const executor: Executor = {
      name: 'fake-spawn',
      check: async () => ({ ok: true, message: '' }),
      start: (req, onOutput) => {
        agentPrompt = fs.readFileSync(String(req.env.MULTYAGENTS_PROMPT_FILE), 'utf8');
        rawDuringRun = fs.existsSync(path.join(attemptDir, RAW_PROMPT_FILE));
        // Two pipe reads: the first ends 10 characters into the key.
        const first = 'x'.repeat(PIPE_READ - 10) + ' ';
        const out = `${first}${OPENAI} then the runner token ${RUNNER_TOKEN} and ${CALLBACK}\n`;
        const cut = first.length + 10;
        onOutput('stdout', out.slice(0, cut));
        onOutput('stdout', out.slice(cut));
        onOutput('stderr', `warn: GITHUB_TOKEN=${GITHUB.slice(0, 12)}`);
        onOutput('stderr', `${GITHUB.slice(12)} leaked\n`);
        fs.writeFileSync(
          req.resultFile,
          JSON.stringify({
            summary: `done with ${OPENAI}`,
            next_actions: [`rotate ${GITHUB}`],
            open_questions: [`is ${RUNNER_TOKEN} still valid?`],
            artifacts: [{ artifact_type: 'file', location: `/tmp/${OPENAI}.txt`, metadata: { key: GITHUB } }],
          }),
        );
        return {
          pid: null,
          inProcess: true,
          exited: Promise.resolve({ code: 0, signal: null }),
          kill: async () => {},
        };
      },
    };
    const attempts = build(executor);
    await attempts.submit(submit(1));
    expect(await attempts.waitIdle(5000)).toBe(true);
    await outbox.pass();

    expect(agentPrompt).toBe(submit(1).prompt);
    expect(rawDuringRun).toBe(true);
    expect(fs.existsSync(path.join(attemptDir, RAW_PROMPT_FILE))).toBe(false);
    const promptTxt = fs.readFileSync(path.join(attemptDir, 'prompt.txt'), 'utf8');
    expect(promptTxt).toBe('use [REDACTED] and push with token=[REDACTED]');
    expectNoSecret('result.json', fs.readFileSync(path.join(attemptDir, 'result.json'), 'utf8'));

    // The log stream and the forwarder are flushed after the attempt settled.
    const log = await vi.waitFor(() => {
      const text = fs.readFileSync(logFileOf(config, 1, 1), 'utf8');
      expect(text).toContain('leaked');
      return text;
    });
    expectNoSecret('attempt log', log);
    expect(log).toContain(' [REDACTED] then the runner token [REDACTED] and [REDACTED]\n');
    expect(log).toContain('GITHUB_TOKEN=[REDACTED] leaked');

    const chunks = await vi.waitFor(() => {
      const data = transport.sent.filter((s) => s.url.endsWith('/logs')).map((s) => String(s.body.data));
      expect(data.join('')).toContain('leaked');
      return data;
    });
    expectNoSecret('forwarded chunks joined', chunks.join(''));
    const terminal = transport.sent.find((s) => s.url.endsWith('/status'))!.body;
    expect(terminal.status).toBe('success');
    expectNoSecret('terminal report', JSON.stringify(terminal));
    expect(terminal.handoff).toMatchObject({ next_actions: ['rotate [REDACTED]'] });
    expect(terminal.artifacts).toEqual([
      expect.objectContaining({ location: '/tmp/[REDACTED].txt', metadata: { key: '[REDACTED]' } }),
    ]);
    // The journal keeps the submit redacted like prompt.txt; only the callback token (what recovery sends
    // a report with) and URLs stay raw.
    const kept = JSON.parse(journal.get(1, 1)!.submit) as RunnerSubmit;
    expect(kept.prompt).toBe('use [REDACTED] and push with token=[REDACTED]');
    expect(kept.status_callback_token).toBe(CALLBACK);
    expect(kept.status_callback_url).toBe(submit(1).status_callback_url);
    expectNoSecret('journal submit', JSON.stringify({ ...kept, status_callback_token: '' }));
    // The journal on disk keeps the report too (its callback token is the credential it is sent with).
    expectNoSecret(
      'journal outbox',
      journal
        .outbox()
        .map((r) => r.body)
        .join('\n'),
    );
  });

  it("redacts the runner's own credential (issued at registration) in the log, the tails and the report", async () => {
    const secret = 'OwnCredentialSecret_0123456789abcdefXYZ';
    let issued: string | null = null;
    const executor: Executor = {
      name: 'fake-spawn',
      check: async () => ({ ok: true, message: '' }),
      start: (req, onOutput) => {
        // An agent that found the runner's journal and printed what it read there.
        onOutput('stdout', `credential 7.${secret} and the secret alone ${secret}\n`);
        fs.writeFileSync(req.resultFile, JSON.stringify({ summary: `leaked ${secret}` }));
        return {
          pid: null,
          inProcess: true,
          exited: Promise.resolve({ code: 0, signal: null }),
          kill: async () => {},
        };
      },
    };
    const attempts = build(executor, () => issued);
    // Issued after the runner started (the first registration): the redactor reads it per attempt.
    issued = `7.${secret}`;
    await attempts.submit(submit(3));
    expect(await attempts.waitIdle(5000)).toBe(true);
    await outbox.pass();
    const log = fs.readFileSync(logFileOf(config, 3, 1), 'utf8');
    expect(log).toBe('credential 7.[REDACTED] and the secret alone [REDACTED]\n');
    const terminal = transport.sent.find((s) => s.url.endsWith('/3/status'))!.body;
    expect(JSON.stringify(terminal)).not.toContain(secret);
    expect(terminal.stdout).toBe('credential 7.[REDACTED] and the secret alone [REDACTED]\n');
    expect(terminal.handoff).toMatchObject({ summary: 'leaked [REDACTED]' });
  });

  it('a runner killed while its agent ran leaves no raw prompt after its next start', async () => {
    let release!: () => void;
    const executor: Executor = {
      name: 'fake-spawn',
      check: async () => ({ ok: true, message: '' }),
      start: () => ({
        pid: null,
        inProcess: true,
        exited: new Promise((r) => (release = () => r({ code: 0, signal: null }))),
        kill: async () => {},
      }),
    };
    const attempts = build(executor);
    await attempts.submit(submit(2));
    const raw = path.join(config.dataDir, 'attempts', 'task-2-attempt-1', RAW_PROMPT_FILE);
    for (let i = 0; i < 100 && !fs.existsSync(raw); i++) await new Promise((r) => setImmediate(r));
    expect(fs.existsSync(raw)).toBe(true);
    // As after a kill -9: the journal says running, the runner starts again and recovers.
    expect(await recoverJournal(journal, config, new FakeClock(), silentLogger, () => false)).toBe(1);
    expect(fs.existsSync(raw)).toBe(false);
    release();
    await attempts.waitIdle(5000);
  });

  it('output held back for a straddling secret is written once the agent goes quiet', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const out = new AttemptOutput(path.join(dir, 'quiet.log'), null, makeRedactor([RUNNER_TOKEN]), 1000);
      out.write('stdout', `thinking… token=${RUNNER_TOKEN.slice(0, 9)}`);
      // Shorter than the tail: all of it is held, in case the secret continues in the next read.
      expect(out.stdout.text()).toBe('');
      vi.advanceTimersByTime(1000);
      expect(out.stdout.text()).toBe('thinking… token=[REDACTED]');
      out.write('stdout', ' done\n');
      await out.close(0);
      expect(out.stdout.text()).toBe('thinking… token=[REDACTED] done\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('the log file holds all the output once settle resolves (before the terminal report is sent)', async () => {
    const file = path.join(dir, 'settled.log');
    const out = new AttemptOutput(file, null, makeRedactor([RUNNER_TOKEN]), 0);
    out.write('stdout', 'hello from the agent\n'.repeat(2000));
    out.write('stderr', `a warning ${RUNNER_TOKEN}\n`);
    await out.settle();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('hello from the agent').length - 1).toBe(2000);
    expect(text).toContain('a warning [REDACTED]');
    expect(text).not.toContain(RUNNER_TOKEN);
    await out.close(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});
