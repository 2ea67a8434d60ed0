import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeArgv, codexArgv, NO_GRANTS } from '../../src/executors/agentArgv.js';
import { testRunnerConfig } from '../../src/config/runner.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Journal } from '../../src/runner/journal.js';
import { recoverJournal } from '../../src/runner/recovery.js';
import { resumeOf } from '../../src/services/dispatch.js';
import type { Sql } from '../../src/store/sql.js';
import { submit } from '../helpers/journal.js';

const base = { bin: 'x', prompt: 'do it', role: NO_GRANTS, extra: [], resultDir: '/att' };

describe('agent argv for a session', () => {
  it('claude: --session-id for a new session, --resume to continue one, both before the prompt', () => {
    const fresh = claudeArgv({ ...base, session: { id: 'S', resume: false } });
    expect(fresh.slice(-4)).toEqual(['--session-id', 'S', '--', 'do it']);
    const resumed = claudeArgv({ ...base, session: { id: 'S', resume: true } });
    expect(resumed.slice(-4)).toEqual(['--resume', 'S', '--', 'do it']);
    expect(resumed).not.toContain('--session-id');
  });

  it('codex: the sandbox before `resume` (exec resume takes no -s), the thread id before the prompt', () => {
    const argv = codexArgv({ ...base, inGitRepo: true, session: { id: 'T', resume: true } });
    expect(argv).toEqual([
      'x',
      'exec',
      '-s',
      'workspace-write',
      '-c',
      'sandbox_workspace_write.writable_roots=["/att"]',
      'resume',
      '--json',
      '--disable',
      'unbounded_connection_retries',
      '--',
      'T',
      'do it',
    ]);
    // A new codex thread: no session flag (codex names its threads).
    expect(codexArgv({ ...base, inGitRepo: true })).toEqual([
      'x',
      'exec',
      '--json',
      '-s',
      'workspace-write',
      '-c',
      'sandbox_workspace_write.writable_roots=["/att"]',
      '--disable',
      'unbounded_connection_retries',
      'do it',
    ]);
  });
});

describe('the submit payload asks to resume (dispatch resumeOf)', () => {
  const sqlWith = (prev: Record<string, unknown> | undefined) =>
    ({ get: async () => prev }) as unknown as Sql;
  const failed = {
    attempt: 1,
    status: 'failed',
    session_id: 'S1',
    failure_category: 'agent-error',
    message: 'the model call failed',
  };
  const role = (c: Record<string, unknown> = {}) => ({ execution_constraints: c });

  it('attempt N+1 of an attempt that failed or was lost with a session resumes it', async () => {
    expect(await resumeOf(sqlWith(failed), { id: 7, attempt: 2 }, role())).toEqual({
      resume: { session_id: 'S1', from_attempt: 1, reason: 'agent-error: the model call failed' },
    });
    const lost = { ...failed, status: 'lost', failure_category: null, message: null };
    expect((await resumeOf(sqlWith(lost), { id: 7, attempt: 2 }, undefined)).resume?.reason).toBe('lost');
  });

  it('not for a first attempt, a success, a cancel, no session, or a role with resume: false', async () => {
    expect(await resumeOf(sqlWith(failed), { id: 7, attempt: 1 }, role())).toEqual({});
    expect(await resumeOf(sqlWith({ ...failed, status: 'success' }), { id: 7, attempt: 2 }, role())).toEqual(
      {},
    );
    expect(await resumeOf(sqlWith({ ...failed, status: 'canceled' }), { id: 7, attempt: 2 }, role())).toEqual(
      {},
    );
    expect(await resumeOf(sqlWith({ ...failed, session_id: null }), { id: 7, attempt: 2 }, role())).toEqual(
      {},
    );
    expect(await resumeOf(sqlWith(failed), { id: 7, attempt: 2 }, role({ resume: false }))).toEqual({});
  });
});

describe('the journal keeps the session of a running attempt', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a runner killed mid-step reports the session with runner-restarted, so the retry can resume it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-resume-'));
    const file = path.join(dir, 'runner.db');
    let journal = Journal.open(file);
    journal.insertAttempt(submit(1), 'a');
    journal.setSession(1, 1, { session_id: 'S1' });
    journal.markRunning(1, 1, { pid: 999_999, proc_start: '1', started_at: 's' }, null, 0);
    journal.close();
    journal = Journal.open(file);
    const config = { ...testRunnerConfig(dir, 'http://api', 'tok'), executor: 'claude' as const };
    expect(await recoverJournal(journal, config, new FakeClock(), silentLogger, () => false)).toBe(1);
    const [report] = journal.outbox('pending');
    const body = JSON.parse(report!.body) as Record<string, any>;
    expect(body).toMatchObject({ status: 'failed', failure_step: 'runner-restarted' });
    expect(body.agent).toMatchObject({ agent: 'claude', session_id: 'S1' });
    journal.close();
  });
});
