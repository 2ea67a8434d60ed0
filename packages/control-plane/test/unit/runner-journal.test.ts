import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRunnerConfig } from '../../src/config/runner.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { logFileOf, readResult } from '../../src/runner/attempts.js';
import { JOURNAL_SCHEMA, Journal, HOT_QUERIES, toAttemptState } from '../../src/runner/journal.js';
import { RETENTION_MS, housekeeping } from '../../src/runner/housekeeping.js';
import { recoverJournal } from '../../src/runner/recovery.js';
import { submit, success } from '../helpers/journal.js';

describe('runner journal', () => {
  let dir: string;
  let file: string;
  let journal: Journal;
  const clock = new FakeClock();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-journal-'));
    file = path.join(dir, 'runner.db');
    journal = Journal.open(file);
  });
  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second owner of the same journal', () => {
    expect(() => Journal.open(file)).toThrow(/held by another runner/);
  });

  it('on restart fails what the dead runner left running or queued, with the log tail, once', async () => {
    const config = testRunnerConfig(dir, 'http://api', 'tok');
    journal.insertAttempt(submit(1), 'a');
    journal.markRunning(
      1,
      1,
      { pid: 999_999, proc_start: '123', started_at: '2026-01-01T00:00:00.000Z' },
      { kind: 'running', url: 'http://api/runner/tasks/1/status', token: 't', body: { status: 'running' } },
      clock.now(),
    );
    journal.insertAttempt(submit(2), 'b');
    journal.insertAttempt(submit(3), 'c');
    journal.finish(
      3,
      1,
      { status: 'success', exit_code: 0, finished_at: 'f', message: 'ok', failure_step: null },
      { kind: 'terminal', url: 'http://api/runner/tasks/3/status', token: 't', body: { status: 'success' } },
      clock.now(),
    );
    fs.mkdirSync(config.logsDir, { recursive: true });
    fs.writeFileSync(
      logFileOf(config, 1, 1),
      'x'.repeat(70_000) + 'last words token=callback-token-0123456789\n',
    );
    journal.close();

    journal = Journal.open(file);
    const probed: number[] = [];
    const n = await recoverJournal(journal, config, clock, silentLogger, (pid) => {
      probed.push(pid);
      return false;
    });
    expect(n).toBe(2);
    expect(probed).toEqual([999_999]);
    for (const task of [1, 2]) {
      expect(journal.get(task, 1)).toMatchObject({ status: 'failed', failure_step: 'runner-restarted' });
    }
    expect(journal.get(3, 1)?.status).toBe('success');
    const pending = journal.outbox('pending');
    // The unsent running report of task 1 is superseded by its terminal one (which has started_at).
    expect(pending.map((r) => [r.task_id, r.kind])).toEqual([
      [3, 'terminal'],
      [1, 'terminal'],
      [2, 'terminal'],
    ]);
    expect(journal.outbox('dropped').map((r) => [r.task_id, r.kind])).toEqual([[1, 'running']]);
    const body = JSON.parse(pending[1].body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'failed', attempt: 1, failure_step: 'runner-restarted' });
    expect(body.started_at).toBe('2026-01-01T00:00:00.000Z');
    expect(String(body.stdout)).toMatch(/last words token=\[REDACTED\]\n$/);
    expect(String(body.stdout).length).toBeLessThanOrEqual(64 * 1024);
    expect(String(body.message)).toContain('runner restarted');

    // A second restart finds nothing left to recover.
    expect(await recoverJournal(journal, config, clock, silentLogger, () => false)).toBe(0);
  });

  it('lists unsettled attempts until their terminal report is acknowledged', () => {
    journal.insertAttempt(submit(1), 'a');
    expect(journal.unsettled().map(toAttemptState)).toEqual([
      expect.objectContaining({ task_id: 1, attempt: 1, status: 'queued', reported: false }),
    ]);
    journal.finish(
      1,
      1,
      { status: 'failed', exit_code: 2, finished_at: 'f', message: 'm', failure_step: 'run' },
      { kind: 'terminal', url: 'u', token: 't', body: {} },
      clock.now(),
    );
    const [row] = journal.outbox('pending');
    journal.settle(row.id, 'acked', 200, null, 'now');
    expect(journal.unsettled()).toHaveLength(0);
    expect(toAttemptState(journal.get(1, 1)!)).toMatchObject({
      status: 'failed',
      reported: true,
      exit_code: 2,
    });
  });

  it('GET /tasks (held) lists every live attempt however many finished recently', () => {
    const recent = new Date(Date.now() - 60_000).toISOString();
    // 1200 attempts finished and acknowledged recently, on lower task ids than the running ones.
    for (let id = 1; id <= 1200; id++) {
      journal.insertAttempt(submit(id), 'a');
      journal.finish(
        id,
        1,
        success(new Date().toISOString()),
        { kind: 'terminal', url: 'u', token: 't', body: {} },
        clock.now(),
      );
    }
    for (const row of journal.outbox('pending')) journal.settle(row.id, 'acked', 200, null, 'now');
    for (const id of [5001, 5002, 5003]) {
      journal.insertAttempt(submit(id), 'a');
      journal.markRunning(id, 1, { pid: null, proc_start: null, started_at: 's' }, null, clock.now());
    }
    journal.insertAttempt(submit(5004), 'a');
    const held = journal.held(recent, 1000);
    expect(held.filter((a) => a.task_id > 5000).map((a) => [a.task_id, a.status])).toEqual([
      [5001, 'running'],
      [5002, 'running'],
      [5003, 'running'],
      [5004, 'queued'],
    ]);
    // Recently finished ones are extras, bounded, the newest first to be kept.
    expect(held.filter((a) => a.task_id <= 1200)).toHaveLength(1000);
  });

  it('housekeeping forgets settled history and old files, keeps what is unsettled', () => {
    const config = testRunnerConfig(dir, 'http://api', 'tok');
    const old = new Date(clock.now() - RETENTION_MS - 1000).toISOString();
    for (const task of [1, 2]) {
      journal.insertAttempt(submit(task), old);
      journal.finish(
        task,
        1,
        { status: 'success', exit_code: 0, finished_at: old, message: 'ok', failure_step: null },
        { kind: 'terminal', url: 'u', token: 't', body: {} },
        clock.now() - RETENTION_MS - 1000,
      );
    }
    const [first] = journal.outbox('pending');
    journal.settle(first.id, 'acked', 200, null, old); // task 1 settled long ago; task 2 still owed
    fs.mkdirSync(config.logsDir, { recursive: true });
    const oldTime = new Date(clock.now() - RETENTION_MS - 1000);
    for (const task of [1, 2]) {
      const f = logFileOf(config, task, 1);
      fs.writeFileSync(f, 'x');
      fs.utimesSync(f, oldTime, oldTime);
    }
    housekeeping(journal, config, clock.now());
    expect(journal.get(1, 1)).toBeUndefined();
    expect(journal.get(2, 1)?.report_state).toBe('pending');
    expect(fs.existsSync(logFileOf(config, 1, 1))).toBe(false);
    expect(fs.existsSync(logFileOf(config, 2, 1))).toBe(true);
  });

  it("commits a turn's writes together at the next turn, each write atomic on its own", async () => {
    const wal = `${file}-wal`;
    const before = fs.statSync(wal).size;
    journal.insertAttempt(submit(1), 'a');
    const fields = success();
    const bad = { kind: 'terminal' as const, url: 'u', token: 't', body: { n: 1n } };
    expect(() => journal.finish(1, 1, fields, bad, clock.now())).toThrow(/BigInt/);
    journal.insertAttempt(submit(2), 'b');
    expect(journal.get(2, 1)?.status).toBe('queued'); // visible on this connection at once
    expect(fs.statSync(wal).size).toBe(before); // not committed yet
    await new Promise((r) => setImmediate(r));
    expect(fs.statSync(wal).size).toBeGreaterThan(before);
    journal.close();
    journal = Journal.open(file);
    expect([journal.get(1, 1)?.status, journal.get(2, 1)?.status]).toEqual(['queued', 'queued']);
    expect(journal.outbox()).toHaveLength(0);
  });

  it('close and durable() commit the open turn first', async () => {
    journal.insertAttempt(submit(1), 'a');
    journal.close();
    journal = Journal.open(file);
    expect(journal.get(1, 1)?.status).toBe('queued');
    const wal = `${file}-wal`;
    const before = fs.statSync(wal).size;
    journal.insertAttempt(submit(2), 'b');
    await journal.durable();
    expect(fs.statSync(wal).size).toBeGreaterThan(before);
  });

  it('a write that fails inside a commit leaves nothing behind, and the next commit works', () => {
    journal.insertAttempt(submit(1), 'a');
    const unserializable = { kind: 'terminal' as const, url: 'u', token: 't', body: { n: 1n } };
    const fields = success();
    expect(() => journal.finish(1, 1, fields, unserializable, clock.now())).toThrow(/BigInt/);
    expect(journal.get(1, 1)?.status).toBe('queued');
    expect(journal.outbox()).toHaveLength(0);
    expect(journal.finish(1, 1, fields, { ...unserializable, body: {} }, clock.now())).toBe(true);
    expect(journal.get(1, 1)?.status).toBe('success');
  });

  it('due heads: the oldest pending report of each attempt once due, in send order, limited', () => {
    const r = (task: number, kind: 'running' | 'terminal') => ({
      kind,
      url: 'u',
      token: 't',
      body: { task },
    });
    const fields = success();
    for (const task of [1, 2, 3]) journal.insertAttempt(submit(task), 'a');
    journal.markRunning(1, 1, { pid: 1, proc_start: null, started_at: 's' }, r(1, 'running'), 100);
    journal.finish(1, 1, fields, r(1, 'terminal'), 101, journal.outbox()[0].id); // behind the running one
    journal.markRunning(2, 1, { pid: 2, proc_start: null, started_at: 's' }, r(2, 'running'), 50);
    journal.markRunning(3, 1, { pid: 3, proc_start: null, started_at: 's' }, r(3, 'running'), 300);
    const heads = (now: number, limit = 10) => journal.dueHeads(now, limit).map((h) => [h.task_id, h.kind]);
    expect(heads(200)).toEqual([
      [2, 'running'],
      [1, 'running'],
    ]);
    expect(heads(200, 1)).toEqual([[2, 'running']]);
    expect(journal.dueHeads(200, 1, new Set(['2:1'])).map((h) => [h.task_id, h.kind])).toEqual([
      [1, 'running'],
    ]);
    expect(journal.nextDueAfter(200)).toBe(300);
    expect(journal.nextDueAfter(300)).toBeNull();
    const [running1] = journal.dueHeads(200, 10).filter((h) => h.task_id === 1);
    journal.settle(running1.id, 'acked', 200, null, 'now');
    expect(heads(200)).toEqual([
      [2, 'running'],
      [1, 'terminal'],
    ]);
  });

  it('the hot queries read (partial) indexes in order: no table scan, no sort', () => {
    const db = new Database(':memory:');
    try {
      db.exec(JOURNAL_SCHEMA);
      const plan = (q: string, ...args: unknown[]) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${q}`).all(...args) as Array<{ detail: string }>).map(
          (r) => r.detail,
        );
      // The pending outbox (read when the in-memory index is rebuilt) comes from its partial index,
      // not from a scan of the whole history.
      expect(plan(HOT_QUERIES.pending)).toEqual(['SCAN outbox USING INDEX outbox_live']);
      // Heartbeats read the partial index of unsettled attempts only, already in order.
      expect(plan(HOT_QUERIES.unsettled, 10)).toEqual(['SCAN attempts USING INDEX attempts_unsettled']);
    } finally {
      db.close();
    }
  });

  it('validates what an agent wrote to its result file', () => {
    expect(
      readResult({ handoff: { summary: 's' }, artifacts: [{ artifact_type: 'text', location: 'x' }] }),
    ).toEqual({
      handoff: { summary: 's', next_actions: [], open_questions: [], artifacts: [] },
      artifacts: [{ artifact_type: 'text', location: 'x', summary: '', metadata: {} }],
    });
    const bad = readResult({ handoff: { nope: 1 }, artifacts: [{ artifact_type: 'weird', location: 'x' }] });
    expect(bad.handoff).toBeUndefined();
    expect(bad.artifacts).toBeUndefined();
    expect(bad.note).toMatch(/handoff ignored.*artifacts ignored/);
  });
});
