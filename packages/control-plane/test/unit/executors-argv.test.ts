import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRunnerConfig } from '../../src/config/runner.js';
import { commandArgv, promptArg } from '../../src/executors/command.js';
import { createExecutor } from '../../src/executors/index.js';
import { appendLedgerLine, readLedger } from '../../src/executors/ledger.js';
import { mockExecutor } from '../../src/executors/mock.js';
import { mockResult, parseMockParams } from '../../src/executors/mockParams.js';
import { missingBinaryMessage, resolveBinary } from '../../src/executors/which.js';

describe('command argv', () => {
  it('replaces {prompt} inside elements and never joins into a shell string', () => {
    expect(commandArgv(['prog', '--msg={prompt}', '{prompt}'], 'a b; rm -rf /', 'arg')).toEqual([
      'prog',
      '--msg=a b; rm -rf /',
      'a b; rm -rf /',
    ]);
  });

  it('appends the prompt when there is no placeholder, and leaves argv alone for env/stdin', () => {
    expect(commandArgv(['prog', '-x'], 'hi', 'arg')).toEqual(['prog', '-x', 'hi']);
    expect(commandArgv(['prog', '{prompt}'], 'hi', 'env')).toEqual(['prog', '{prompt}']);
    expect(commandArgv(['prog'], 'hi', 'stdin')).toEqual(['prog']);
  });

  it('ends the options before a prompt that looks like a flag', () => {
    expect(promptArg('hello')).toEqual(['hello']);
    expect(promptArg('--help me')).toEqual(['--', '--help me']);
  });
});

describe('binary resolution', () => {
  it('finds an executable on PATH or by path, and nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-which-'));
    try {
      const exe = path.join(dir, 'tool');
      const plain = path.join(dir, 'plain');
      fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(plain, 'x', { mode: 0o644 });
      expect(resolveBinary('tool', { PATH: `/nonexistent:${dir}` }, '/')).toBe(exe);
      expect(resolveBinary('plain', { PATH: dir }, '/')).toBeNull();
      expect(resolveBinary(exe, { PATH: '' }, '/')).toBe(exe);
      expect(resolveBinary('./tool', { PATH: '' }, dir)).toBe(exe);
      expect(resolveBinary('tool', { PATH: '/nonexistent' }, '/')).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the missing binary and how to fix it', () => {
    expect(missingBinaryMessage('codex', 'codex', 'set --codex-bin')).toBe(
      "codex binary not found: 'codex' is not on PATH (dependency missing; set --codex-bin)",
    );
  });

  it('reports a missing codex or claude binary from check() and start()', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-exec-'));
    try {
      for (const executor of ['codex', 'claude'] as const) {
        const config = testRunnerConfig(dir, 'http://api', 'tok', {
          executor,
          codexBin: 'codex-not-installed-here',
          claudeBin: '/nonexistent/claude',
        });
        const ex = createExecutor(config);
        const check = await ex.check();
        expect(check.ok).toBe(false);
        expect(check.message).toMatch(
          executor === 'codex' ? /codex-not-installed-here/ : /\/nonexistent\/claude/,
        );
        expect(() =>
          ex.start(
            {
              taskId: 1,
              attempt: 1,
              runId: null,
              prompt: 'p',
              cwd: dir,
              env: config.childEnv,
              params: {},
              resultFile: path.join(dir, 'r.json'),
              ledgerFile: path.join(dir, 'l.jsonl'),
              killGraceMs: 100,
            },
            () => undefined,
          ),
        ).toThrow(/binary not found/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mock params', () => {
  it('defaults, coerces and ignores junk', () => {
    const p = parseMockParams({ mock: { duration_ms: -5, exit_code: 2.7, lines: [1, 'a'], hang: 'yes' } });
    expect(p).toMatchObject({
      duration_ms: 0,
      exit_code: 2,
      lines: ['1', 'a'],
      hang: false,
      inprocess: false,
    });
    expect(parseMockParams(undefined).duration_ms).toBe(50);
    expect(mockResult(parseMockParams({}))).toBeNull();
    expect(mockResult(parseMockParams({ mock: { handoff: { summary: 's' } } }))).toEqual({
      handoff: { summary: 's' },
    });
  });
});

describe('effect ledger', () => {
  it('appends one line per execution, creating a missing directory on the first line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ledger-'));
    try {
      const file = path.join(dir, 'nested', 'effects.jsonl');
      appendLedgerLine(file, { task_id: 1, attempt: 1, started_at: 'a', pid: null });
      appendLedgerLine(file, { task_id: 2, attempt: 1, started_at: 'b', pid: 7 });
      expect(readLedger(file).map((l) => [l.task_id, l.pid])).toEqual([
        [1, null],
        [2, 7],
      ]);
      expect(mockExecutor().runsInProcess!({ mock: { inprocess: true } })).toBe(true);
      expect(mockExecutor().runsInProcess!({ mock: {} })).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
