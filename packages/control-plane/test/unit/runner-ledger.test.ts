import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendLedgerLine, readLedger } from '../../src/executors/ledger.js';

describe('effect ledger kept open by the runner', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-ledger-open-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a ledger removed between two lines is created again, and no line is lost', () => {
    const file = path.join(dir, 'a', 'effects.jsonl');
    appendLedgerLine(file, { task_id: 1, attempt: 1, started_at: 'a', pid: null });
    fs.rmSync(path.dirname(file), { recursive: true });
    appendLedgerLine(file, { task_id: 2, attempt: 1, started_at: 'b', pid: null });
    expect(readLedger(file).map((l) => l.task_id)).toEqual([2]);
  });

  it('lines go to the file named in each call when it changes', () => {
    const a = path.join(dir, 'a.jsonl');
    const b = path.join(dir, 'b.jsonl');
    appendLedgerLine(a, { task_id: 1, attempt: 1, started_at: 'a', pid: null });
    appendLedgerLine(b, { task_id: 2, attempt: 1, started_at: 'b', pid: null });
    appendLedgerLine(a, { task_id: 3, attempt: 1, started_at: 'c', pid: null });
    expect(readLedger(a).map((l) => l.task_id)).toEqual([1, 3]);
    expect(readLedger(b).map((l) => l.task_id)).toEqual([2]);
  });
});
