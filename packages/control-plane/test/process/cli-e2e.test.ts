import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli, killLeftovers, processesMentioning } from './cli-harness.js';

describe('multyagents e2e', () => {
  beforeAll(() => assertBuilt());

  it('runs the two-step workflow through a private stack, passes, and tears everything down', async () => {
    const r = await cli(['e2e']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('[e2e] PASS');
    expect(r.code).toBe(0);
    const summary = JSON.parse(lines.slice(0, -1).join('\n')) as {
      ok: boolean;
      checks: Array<{ name: string; ok: boolean }>;
      tasks: Array<{ step_id: string; status: string; attempt: number }>;
      ledger: { entries: number };
      stack: { data_dir: string; kept: boolean };
    };
    try {
      expect(summary.ok).toBe(true);
      expect(summary.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'run succeeded',
          'step plan executed exactly once',
          'step build executed exactly once',
        ]),
      );
      expect(summary.tasks.map((t) => [t.step_id, t.status, t.attempt])).toEqual([
        ['plan', 'success', 1],
        ['build', 'success', 1],
      ]);
      expect(summary.ledger.entries).toBe(2);
      expect(summary.stack.kept).toBe(false);
      expect(fs.existsSync(summary.stack.data_dir)).toBe(false);
      expect(processesMentioning(summary.stack.data_dir)).toEqual([]);
    } finally {
      killLeftovers(summary.stack.data_dir);
      fs.rmSync(summary.stack.data_dir, { recursive: true, force: true });
    }
  });
});
