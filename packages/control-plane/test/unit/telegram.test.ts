import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChatIds, parseNotify, resolveTelegramConfig } from '../../src/config/telegram.js';
import { TelegramClient, TelegramError } from '../../src/telegram/botApi.js';
import { actorOf, parseCallbackData, parseCommand } from '../../src/telegram/commands.js';
import { notificationOf, runOf } from '../../src/telegram/filter.js';
import {
  approvalDecidedText,
  approvalPendingText,
  controlText,
  errorText,
  escapeHtml,
  runFailedText,
  TELEGRAM_MAX_TEXT,
  truncateHtml,
} from '../../src/telegram/format.js';
import { committedEventId, readState, sameState, writeState } from '../../src/telegram/state.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fakeTelegram.js';

describe('telegram message formatting', () => {
  it('escapes what the API gives (HTML mode)', () => {
    expect(escapeHtml('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    const t = approvalPendingText({
      id: 3,
      task_id: 9,
      status: 'pending',
      run_id: 2,
      step_id: 'x<y>',
      task_title: '<b>bold</b> & co',
    });
    expect(t).toBe(
      '⏸ <b>approval 3 pending</b>: run 2, task 9 (x&lt;y&gt;)\n&lt;b&gt;bold&lt;/b&gt; &amp; co',
    );
    expect(errorText('APPROVAL_NOT_FOUND', 'approval 9\nnot <found>')).toBe(
      '⚠️ APPROVAL_NOT_FOUND: approval 9 not &lt;found&gt;',
    );
  });

  it('a decided approval says who decided', () => {
    expect(
      approvalDecidedText({
        id: 3,
        task_id: 9,
        status: 'approved',
        decided_by: 'telegram:ann',
        comment: 'go',
      }),
    ).toBe('⏸ <b>approval 3 pending</b>: task 9\n✅ approved by telegram:ann: go');
  });

  it('truncates to 4096 characters, never inside an entity or a tag, closing open tags', () => {
    expect(truncateHtml('short')).toBe('short');
    const long = `<b>${'&amp;'.repeat(2000)}</b>`;
    const t = truncateHtml(long);
    expect(t.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(t).toMatch(/(&amp;)+<\/b>\n… \(truncated\)$/);
    const tagCut = truncateHtml(`${'x'.repeat(4038)}<code>${'y'.repeat(100)}</code>`);
    expect(tagCut.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(tagCut).not.toMatch(/<[^>]*$/);
    expect(tagCut).toMatch(/^x+\n… \(truncated\)$/);
  });

  it('a failed run shows its categories, failing tasks and the first hints and next actions, within the limit', () => {
    const hints = Array.from({ length: 20 }, (_, i) => `hint ${i} ${'z'.repeat(400)}`);
    const t = runFailedText(
      {
        id: 5,
        status: 'failed',
        workflow_template_id: 1,
        failure_categories: ['agent-error'],
        failure_triage_hints: hints,
        suggested_next_actions: ['rerun <it>'],
      },
      [{ id: 8, status: 'failed', step_id: 'build', failure_category: 'agent-error' }],
    );
    expect(t).toContain(
      '❌ <b>run 5 failed</b> (template 1)\ncategories: agent-error\n✗ build (task 8) failed: agent-error',
    );
    expect(t).toContain('hint: hint 2 ');
    expect(t).not.toContain('hint 3 ');
    expect(t).toContain('next: rerun &lt;it&gt;');
    expect(t.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
  });
});

describe('telegram notification filter', () => {
  const all = parseNotify('failed,approvals,runners,succeeded');
  const ev = (
    event_type: string,
    payload: Record<string, unknown> = {},
    run_id: number | null = 1,
    task_id: number | null = 2,
  ) => ({
    id: 10,
    event_type,
    run_id,
    task_id,
    payload,
  });

  it('maps the events to notifications', () => {
    expect(notificationOf(ev('workflow_run.failed'), all)).toEqual({ kind: 'failed', runId: 1 });
    expect(notificationOf(ev('workflow_run.succeeded'), all)).toEqual({ kind: 'succeeded', runId: 1 });
    expect(notificationOf(ev('approval.pending', { approval_id: 4 }), all)).toEqual({
      kind: 'approval',
      approvalId: 4,
      runId: 1,
    });
    expect(
      notificationOf(ev('runner.unreachable', { runner_id: 3, url: 'http://h' }, null, null), all),
    ).toEqual({
      kind: 'runner-unreachable',
      runnerId: 3,
      url: 'http://h',
    });
    expect(notificationOf(ev('task.runner_lost', { runner_id: 3 }), all)).toEqual({
      kind: 'runner-lost',
      taskId: 2,
      runId: 1,
      runnerId: 3,
    });
    expect(notificationOf(ev('task.dispatched'), all)).toBeNull();
    expect(notificationOf(ev('approval.pending', {}), all)).toBeNull();
  });

  it('operator actions on a run are notified only with `control`; each notification names its run for /mute', () => {
    const control = parseNotify('control');
    const paused = { ...ev('workflow_run.paused', { reason: 'lunch' }), producer_role: 'ann' };
    expect(notificationOf(paused, all)).toBeNull();
    expect(notificationOf(paused, control)).toEqual({
      kind: 'control',
      runId: 1,
      action: 'paused',
      actor: 'ann',
      reason: 'lunch',
    });
    expect(
      notificationOf(
        ev('workflow_run.partial_rerun_requested', { requested_by: 'bob', reason: '' }),
        control,
      ),
    ).toEqual({ kind: 'control', runId: 1, action: 'rerun', actor: 'bob', reason: null });
    expect(notificationOf(ev('workflow_run.aborted', {}, null), control)).toBeNull();
    expect(runOf({ kind: 'failed', runId: 5 })).toBe(5);
    expect(runOf({ kind: 'approval', approvalId: 2, runId: 9 })).toBe(9);
    expect(runOf({ kind: 'approval', approvalId: 2 })).toBeNull();
    expect(runOf({ kind: 'runner-unreachable', runnerId: 1, url: null })).toBeNull();
    expect(runOf({ kind: 'runner-lost', taskId: 1, runId: 3, runnerId: null })).toBe(3);
    expect(controlText(4, 'aborted', 'telegram:ann', 'a <b> reason')).toBe(
      '⛔ <b>run 4 aborted</b> by telegram:ann: a &lt;b&gt; reason',
    );
  });

  it('the default leaves succeeded runs out; each kind can be turned off', () => {
    const def = parseNotify(undefined);
    expect([...def].sort()).toEqual(['approvals', 'failed', 'runners']);
    expect(notificationOf(ev('workflow_run.succeeded'), def)).toBeNull();
    expect(notificationOf(ev('workflow_run.failed'), def)).not.toBeNull();
    const none = parseNotify('none');
    expect(notificationOf(ev('workflow_run.failed'), none)).toBeNull();
    expect(notificationOf(ev('runner.unreachable', { runner_id: 1 }), parseNotify('failed'))).toBeNull();
    expect(() => parseNotify('failed,everything')).toThrow(/everything/);
  });
});

describe('telegram command parser', () => {
  it('parses the commands with their arguments', () => {
    expect(parseCommand('/runs')).toEqual({ cmd: 'runs' });
    expect(parseCommand('/runs@multyagents_bot')).toEqual({ cmd: 'runs' });
    expect(parseCommand(' /run 12 ')).toEqual({ cmd: 'run', id: 12 });
    expect(parseCommand('/abort 12 too slow, sorry')).toEqual({
      cmd: 'abort',
      id: 12,
      reason: 'too slow, sorry',
    });
    expect(parseCommand('/abort 12')).toEqual({ cmd: 'abort', id: 12 });
    expect(parseCommand('/approve 3 looks good')).toEqual({ cmd: 'approve', id: 3, comment: 'looks good' });
    expect(parseCommand('/reject 3')).toEqual({ cmd: 'reject', id: 3 });
    expect(parseCommand('/help')).toEqual({ cmd: 'help' });
    expect(parseCommand('/start')).toEqual({ cmd: 'help' });
    expect(parseCommand('/mute 8')).toEqual({ cmd: 'mute', id: 8 });
    expect(parseCommand('/unmute 8')).toEqual({ cmd: 'unmute', id: 8 });
    expect(parseCommand('/muted')).toEqual({ cmd: 'muted' });
    expect(parseCommand('/mute')).toEqual({ error: '/mute needs a run id (a positive integer)' });
  });

  it('rejects bad ids and unknown commands; plain text is not a command', () => {
    expect(parseCommand('/run')).toEqual({ error: '/run needs a run id (a positive integer)' });
    expect(parseCommand('/run 0')).toHaveProperty('error');
    expect(parseCommand('/approve abc')).toEqual({
      error: '/approve needs a approval id (a positive integer)',
    });
    expect(parseCommand('/deploy 1')).toEqual({ error: 'unknown command /deploy; /help lists them' });
    expect(parseCommand('hello')).toBeNull();
  });

  it('callback data and the actor', () => {
    expect(parseCallbackData('approve:7')).toEqual({ decision: 'approve', id: 7 });
    expect(parseCallbackData('reject:7')).toEqual({ decision: 'reject', id: 7 });
    expect(parseCallbackData('mute:12')).toEqual({ decision: 'mute', id: 12 });
    expect(parseCallbackData('approve:x')).toBeNull();
    expect(parseCallbackData('unmute:1')).toBeNull();
    expect(parseCallbackData(undefined)).toBeNull();
    expect(actorOf({ id: 5, username: 'ann' })).toBe('telegram:ann');
    expect(actorOf({ id: 5 })).toBe('telegram:5');
  });
});

describe('telegram state file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-tg-state-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('absent: only new events; written atomically and read back', () => {
    const file = path.join(dir, 'telegram-state.json');
    expect(readState(file)).toEqual({ last_event_id: null, last_update_id: null, muted_runs: [] });
    writeState(file, { last_event_id: 41, last_update_id: 1002, muted_runs: [3, 9] });
    expect(readState(file)).toEqual({ last_event_id: 41, last_update_id: 1002, muted_runs: [3, 9] });
    // No temp file is left beside it.
    expect(fs.readdirSync(dir)).toEqual(['telegram-state.json']);
  });

  it('a file from before muting reads with no muted run; bad muted entries are dropped, the rest kept sorted', () => {
    const file = path.join(dir, 'old.json');
    fs.writeFileSync(file, '{"last_event_id":7,"last_update_id":null}');
    expect(readState(file)).toEqual({ last_event_id: 7, last_update_id: null, muted_runs: [] });
    fs.writeFileSync(file, '{"last_event_id":7,"last_update_id":1,"muted_runs":[9,"x",-1,3,9,0,2.5]}');
    expect(readState(file).muted_runs).toEqual([3, 9]);
    const a = readState(file);
    expect(sameState(a, { ...a, muted_runs: [3, 9] })).toBe(true);
    expect(sameState(a, { ...a, muted_runs: [3] })).toBe(false);
  });

  it('a damaged file is an error, not a silent reset', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{"last_event');
    expect(() => readState(file)).toThrow(/not JSON/);
  });

  it('the resume id stops before the oldest notification not sent yet', () => {
    expect(committedEventId(50, [])).toBe(50);
    expect(committedEventId(50, [44, 47])).toBe(43);
    expect(committedEventId(null, [])).toBeNull();
  });
});

describe('telegram config', () => {
  it('requires the token and the chat ids; resolves the rest', () => {
    expect(() => resolveTelegramConfig('/d', {})).toThrow(/BOT_TOKEN is required/);
    expect(() => resolveTelegramConfig('/d', { MULTYAGENTS_TELEGRAM_BOT_TOKEN: '1:a' })).toThrow(
      /CHAT_IDS is required/,
    );
    expect(() => parseChatIds('12,abc')).toThrow(/"abc"/);
    const c = resolveTelegramConfig('/d', {
      MULTYAGENTS_TELEGRAM_BOT_TOKEN: '1:a',
      MULTYAGENTS_TELEGRAM_CHAT_IDS: '12, -100345',
      MULTYAGENTS_TELEGRAM_API_URL: 'http://127.0.0.1:9/',
    });
    expect(c).toMatchObject({
      chatIds: [12, -100345],
      apiUrl: 'http://127.0.0.1:9',
      pollTimeoutSec: 30,
      statePath: '/d/telegram-state.json',
    });
    expect(
      resolveTelegramConfig('/d', {
        MULTYAGENTS_TELEGRAM_BOT_TOKEN: '1:a',
        MULTYAGENTS_TELEGRAM_CHAT_IDS: '1',
      }).apiUrl,
    ).toBe('https://api.telegram.org');
  });
});

describe('telegram Bot API client (fake server on loopback)', () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram();
  });
  afterAll(() => tg.close());

  it('on 429 waits retry_after and tries again; bounded', async () => {
    const client = new TelegramClient({ apiUrl: tg.url, token: '1:t', maxAttempts: 3 });
    tg.throttle('sendMessage', 1, 0);
    const r = await client.sendMessage(5, 'hi');
    expect(r.message_id).toBeGreaterThan(0);
    expect(tg.calls.map((c) => c.method)).toEqual(['sendMessage:429', 'sendMessage']);
    tg.throttle('sendMessage', 5, 0);
    await expect(client.sendMessage(5, 'hi')).rejects.toMatchObject({ status: 429, transient: true });
    expect(tg.calls.filter((c) => c.method === 'sendMessage:429')).toHaveLength(1 + 3);
  });

  it('a refusal is not retried, and its message does not carry the token', async () => {
    const client = new TelegramClient({ apiUrl: tg.url, token: '1:secret', maxAttempts: 3 });
    const err = (await client.call('nope', {}).catch((e: unknown) => e)) as TelegramError;
    expect(err).toBeInstanceOf(TelegramError);
    expect(err.transient).toBe(false);
    expect(err.message).not.toContain('secret');
  });
});
