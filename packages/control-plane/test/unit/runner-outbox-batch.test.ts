import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../src/runner/journal.js';
import { batchUrlOf, planSends } from '../../src/runner/reportBatch.js';

const row = (id: number, task: number, over: Partial<OutboxRow> = {}): OutboxRow => ({
  id,
  task_id: task,
  attempt: 1,
  kind: 'terminal',
  url: `http://api:1/base/runner/tasks/${task}/status`,
  token: 't',
  body: '{}',
  state: 'pending',
  tries: 0,
  next_at: 0,
  last_status: null,
  last_error: null,
  ...over,
});

const shape = (sends: ReturnType<typeof planSends>) =>
  sends.map((s) => (s.kind === 'single' ? s.row.id : [s.url, s.token, s.rows.map((r) => r.id)]));

describe('runner report batching', () => {
  it('derives the batch endpoint from a callback URL of the usual shape only', () => {
    expect(batchUrlOf('http://api:1/base/runner/tasks/5/status', 5)).toBe('http://api:1/base/runner/reports');
    expect(batchUrlOf('http://api:1/base/runner/tasks/5/status', 6)).toBeNull();
    expect(batchUrlOf('http://api:1/hooks/5', 5)).toBeNull();
  });

  it('groups by endpoint and token, in order, at most perRequest per request; lone reports go alone', () => {
    const rows = [
      row(1, 1),
      row(2, 2, { token: 'other' }),
      row(3, 3),
      row(4, 4, { url: 'http://elsewhere/cb' }),
      row(5, 5),
      row(6, 6),
    ];
    expect(shape(planSends(rows, new Set(), 2))).toEqual([
      ['http://api:1/base/runner/reports', 't', [1, 3]],
      2,
      4,
      ['http://api:1/base/runner/reports', 't', [5, 6]],
    ]);
    expect(shape(planSends(rows, new Set(['http://api:1/base/runner/reports'])))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
