import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/ports.js';
import { startFakeTelegram, type FakeTelegram, type TgCall } from '../helpers/fakeTelegram.js';
import { startCli, waitFor, type Proc } from '../helpers/procs.js';
import { assertBuilt, cli, killLeftovers, processesMentioning, tempDir } from './cli-harness.js';

/**
 * `multyagents telegram` as a real child process between a real stack (`up`: API + mock runner, with an
 * operator token) and a fake Bot API on 127.0.0.1: notifications, the approval buttons, the allow-list,
 * commands, and a restart that neither repeats nor skips.
 */
describe('telegram bridge', () => {
  const TOKEN = 'telegram-bridge-operator-token-0123';
  const BOT = '123456:TEST-bot-token';
  const CHAT = 4242;
  const OTHER_CHAT = 9999;
  let dir: string;
  let apiUrl: string;
  let tg: FakeTelegram;
  let bridge: Proc | null = null;
  const env = { MULTYAGENTS_OPERATOR_TOKEN: TOKEN };
  const ma = (args: string[]) => cli([...args, '--data-dir', dir], { env });

  async function get<T>(p: string): Promise<T> {
    const res = await request(`${apiUrl}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.body.json()) as T;
  }

  function workflow(name: string, lines: string[]): string {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, [`name: ${name}`, 'roles: [{ name: worker }]', 'steps:', ...lines, ''].join('\n'));
    return file;
  }

  async function start(file: string): Promise<{ id: number; task_ids: number[] }> {
    const r = await ma(['run', file, '--no-wait', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { run: { id: number; task_ids: number[] } }).run;
  }

  const sent = (pred: (c: TgCall) => boolean) =>
    tg.calls.filter((c) => c.method === 'sendMessage' && pred(c));
  const text = (c: TgCall) => String(c.params.text);

  /** Start the bridge and wait until it follows the event stream. */
  async function startBridge(): Promise<Proc> {
    const p = startCli(['telegram', '--data-dir', dir, '--api', apiUrl], {
      ...env,
      MULTYAGENTS_TELEGRAM_BOT_TOKEN: BOT,
      MULTYAGENTS_TELEGRAM_CHAT_IDS: `${CHAT}`,
      MULTYAGENTS_TELEGRAM_API_URL: tg.url,
      MULTYAGENTS_TELEGRAM_POLL_TIMEOUT: '1',
      MULTYAGENTS_TELEGRAM_NOTIFY: 'failed,approvals,runners,control',
    });
    await waitFor('the bridge on the event stream', async () => {
      if (p.child.exitCode !== null) throw new Error(`bridge exited: ${p.output()}`);
      return p.output().includes('event stream connected');
    });
    return p;
  }

  async function stopBridge(): Promise<void> {
    if (!bridge) return;
    bridge.child.kill('SIGTERM');
    const { code } = await bridge.exited;
    expect(code, bridge.output()).toBe(0);
    bridge = null;
  }

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('ma-telegram-');
    tg = await startFakeTelegram();
    const apiPort = await freePort();
    const runnerPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const up = await ma(['up', '--api-port', String(apiPort), '--runner-port', String(runnerPort)]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    bridge = await startBridge();
  });

  afterAll(async () => {
    if (bridge) await bridge.kill();
    await cli(['down', '--kill', '--data-dir', dir]);
    killLeftovers(dir);
    await tg?.close();
    expect(processesMentioning(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an approval → a message with buttons; a press from another chat changes nothing; a press from the allowed chat approves, edits the message, and the run succeeds; /run answers', async () => {
    const run = await start(
      workflow('gated', [
        '  - { id: plan, role: worker, title: Plan the work, requires_approval: true, executor_params: { mock: { duration_ms: 20 } } }',
      ]),
    );
    const approvalMsg = await waitFor(
      `the approval message`,
      async () => sent((c) => /approval \d+ pending/.test(text(c)) && text(c).includes(`run ${run.id},`))[0],
    );
    expect(approvalMsg.token).toBe(BOT);
    expect(approvalMsg.params.chat_id).toBe(CHAT);
    expect(approvalMsg.params.parse_mode).toBe('HTML');
    expect(text(approvalMsg)).toContain('Plan the work');
    const approvalId = Number(/approval (\d+) pending/.exec(text(approvalMsg))![1]);
    expect(approvalMsg.params.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Approve', callback_data: `approve:${approvalId}` },
          { text: 'Reject', callback_data: `reject:${approvalId}` },
        ],
        [{ text: `Mute run ${run.id}`, callback_data: `mute:${run.id}` }],
      ],
    });
    const messageId = 10_000; // the id Telegram gave is not needed by the bridge: it edits the pressed message

    // A press from a chat outside the allow-list, then a /run from the allowed chat: updates are handled
    // in order, so once /run is answered the foreign press has been handled (ignored).
    tg.push({
      callback_query: {
        id: 'cb-foreign',
        from: { id: 1, username: 'mallory' },
        message: { message_id: messageId, chat: { id: OTHER_CHAT } },
        data: `approve:${approvalId}`,
      },
    });
    tg.push({ message: { message_id: 5, chat: { id: CHAT }, from: { id: 7 }, text: `/run ${run.id}` } });
    const detail = await waitFor(
      'the /run answer',
      async () => sent((c) => text(c).includes(`<b>run ${run.id} `))[0],
    );
    expect(text(detail)).toMatch(/• plan \(task \d+\) created/);
    expect((await get<{ status: string }>(`/approvals/${approvalId}`)).status).toBe('pending');
    expect(
      tg.calls.filter((c) => c.method === 'answerCallbackQuery' || c.method === 'editMessageText'),
    ).toEqual([]);

    tg.push({
      callback_query: {
        id: 'cb-ann',
        from: { id: 7, username: 'ann' },
        message: { message_id: messageId, chat: { id: CHAT } },
        data: `approve:${approvalId}`,
      },
    });
    const edit = await waitFor('the message edited', async () =>
      tg.calls.find((c) => c.method === 'editMessageText'),
    );
    expect(edit.params).toMatchObject({ chat_id: CHAT, message_id: messageId });
    expect(text(edit)).toContain('approved by telegram:ann');
    expect(edit.params.reply_markup).toBeUndefined();
    expect(tg.calls.find((c) => c.method === 'answerCallbackQuery')?.params).toMatchObject({
      callback_query_id: 'cb-ann',
    });
    const a = await get<{ status: string; decided_by: string }>(`/approvals/${approvalId}`);
    expect(a).toMatchObject({ status: 'approved', decided_by: 'telegram:ann' });
    await waitFor(
      'the run succeeds',
      async () => (await get<{ status: string }>(`/workflow-runs/${run.id}`)).status === 'success',
    );

    // The same button again: the API's code comes back as one line.
    tg.push({
      callback_query: {
        id: 'cb-again',
        from: { id: 7, username: 'ann' },
        message: { message_id: messageId, chat: { id: CHAT } },
        data: `reject:${approvalId}`,
      },
    });
    const err = await waitFor('the error line', async () => sent((c) => text(c).includes('APPROVAL_'))[0]);
    expect(text(err)).toMatch(/^⚠️ APPROVAL_[A-Z_]+: [^\n]+$/);
  });

  it('a failing run → one failure message with its triage; commands from another chat are ignored', async () => {
    const run = await start(
      workflow('failing', [
        '  - id: build',
        '    role: worker',
        '    title: Build',
        '    executor_params: { mock: { duration_ms: 20, exit_code: 3, lines: ["error: boom"] } }',
      ]),
    );
    const msg = await waitFor(
      'the failure message',
      async () => sent((c) => text(c).includes(`run ${run.id} failed`))[0],
    );
    expect(text(msg)).toContain('categories: agent-error');
    expect(text(msg)).toMatch(/✗ build \(task \d+\) failed: agent-error/);
    expect(text(msg)).toContain('hint: the agent exited with code 3');
    expect(text(msg)).toMatch(/^next: .+/m);
    expect(text(msg)).toContain(`/run ${run.id} for details`);

    const before = tg.calls.length;
    tg.push({
      message: { message_id: 6, chat: { id: OTHER_CHAT }, from: { id: 1 }, text: `/abort ${run.id}` },
    });
    tg.push({ message: { message_id: 7, chat: { id: CHAT }, from: { id: 7 }, text: '/runs' } });
    const list = await waitFor('the /runs answer', async () => sent((c) => text(c).includes('last runs'))[0]);
    expect(text(list)).toMatch(new RegExp(`^${run.id}  failed  1 tasks`, 'm'));
    // Only the /runs answer was sent: nothing to the other chat.
    expect(tg.calls.slice(before).map((c) => c.params.chat_id)).toEqual([CHAT]);
  });

  it('operator actions are notified with a mute button; a muted run is silent (kept in the state file) until /unmute', async () => {
    const long = () =>
      start(
        workflow(`long-${Date.now()}`, [
          '  - { id: slow, role: worker, title: Slow, executor_params: { mock: { duration_ms: 60000 } } }',
        ]),
      );
    const failing = (name: string) =>
      start(
        workflow(name, [
          '  - { id: bad, role: worker, title: Bad, executor_params: { mock: { duration_ms: 10, exit_code: 4 } } }',
        ]),
      );
    const post = (p: string, body: unknown) =>
      request(`${apiUrl}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => {
        expect(r.statusCode, await r.body.text()).toBe(200);
      });

    const run = await long();
    await post(`/workflow-runs/${run.id}/pause`, { actor: 'ann', reason: 'lunch break' });
    const paused = await waitFor(
      'the pause notified',
      async () => sent((c) => text(c).includes(`run ${run.id} paused</b> by ann: lunch break`))[0],
    );
    expect(JSON.stringify(paused.params.reply_markup)).toContain(`"callback_data":"mute:${run.id}"`);

    // The button, pressed in the allowed chat, mutes the run.
    tg.push({
      callback_query: {
        id: 'cq-mute',
        from: { id: 7, username: 'ann' },
        message: { message_id: 40, chat: { id: CHAT } },
        data: `mute:${run.id}`,
      },
    });
    await waitFor(
      'the mute answered',
      async () => sent((c) => text(c).includes(`run ${run.id} muted by telegram:ann`))[0],
    );
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'telegram-state.json'), 'utf8')) as {
      muted_runs: number[];
    };
    expect(state.muted_runs).toEqual([run.id]);

    // Resumed while muted: nothing. A later run's failure is the barrier (the stream is in event order).
    await post(`/workflow-runs/${run.id}/resume`, { actor: 'ann' });
    const barrier = await failing('barrier-after-mute');
    await waitFor(
      'the barrier failure',
      async () => sent((c) => text(c).includes(`run ${barrier.id} failed`))[0],
    );
    expect(sent((c) => text(c).includes(`run ${run.id} resumed`))).toEqual([]);

    tg.push({ message: { message_id: 41, chat: { id: CHAT }, from: { id: 7 }, text: '/muted' } });
    await waitFor('/muted', async () => sent((c) => text(c).includes(`muted runs</b>: ${run.id}`))[0]);
    tg.push({ message: { message_id: 42, chat: { id: CHAT }, from: { id: 7 }, text: `/unmute ${run.id}` } });
    await waitFor('/unmute', async () => sent((c) => text(c).includes(`run ${run.id} unmuted`))[0]);
    tg.push({ message: { message_id: 43, chat: { id: CHAT }, from: { id: 7 }, text: '/mute 999999' } });
    await waitFor('/mute of an unknown run', async () => sent((c) => /NOT_FOUND: .*999999/.test(text(c)))[0]);
    // Heard again once unmuted.
    await post(`/workflow-runs/${run.id}/abort`, { actor: 'ann', reason: 'not needed' });
    await waitFor(
      'the abort notified',
      async () => sent((c) => text(c).includes(`run ${run.id} aborted</b> by ann: not needed`))[0],
    );
  });

  it('a restart neither repeats nor skips: a run failing while the bridge is down is notified once after it', async () => {
    const failedBefore = sent((c) => / failed<\/b>/.test(text(c))).length;
    await stopBridge();
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'telegram-state.json'), 'utf8')) as {
      last_event_id: number;
      last_update_id: number;
    };
    expect(state.last_event_id).toBeGreaterThan(0);
    expect(state.last_update_id).toBeGreaterThan(0);

    const run = await start(
      workflow('failing-while-down', [
        '  - { id: oops, role: worker, title: Oops, executor_params: { mock: { duration_ms: 20, exit_code: 2 } } }',
      ]),
    );
    await waitFor(
      'the run fails',
      async () => (await get<{ status: string }>(`/workflow-runs/${run.id}`)).status === 'failed',
    );
    const callsBefore = tg.calls.length;
    bridge = await startBridge();
    await waitFor(
      'the missed failure notified',
      async () => sent((c) => text(c).includes(`run ${run.id} failed`))[0],
    );
    // A barrier: a command answered after the restart means the stream's backlog was read.
    tg.push({ message: { message_id: 8, chat: { id: CHAT }, from: { id: 7 }, text: '/help' } });
    await waitFor('the /help answer', async () => sent((c) => text(c).includes('/abort &lt;id&gt;'))[0]);
    expect(sent((c) => / failed<\/b>/.test(text(c))).length).toBe(failedBefore + 1);
    // No earlier update was handled twice: the only answers are the new failure and /help.
    expect(tg.calls.slice(callsBefore).filter((c) => c.method === 'sendMessage')).toHaveLength(2);
  });
});
