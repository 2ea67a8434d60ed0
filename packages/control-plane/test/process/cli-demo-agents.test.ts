import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI_INSTALL_BOUND_MS, agentClisForTests } from '../helpers/agentsim.js';
import { assertBuilt, cli, killLeftovers, processesMentioning } from './cli-harness.js';

/** `multyagents demo agents` end to end, with the real pinned CLIs (installed into the cache first). */
describe('multyagents demo agents', () => {
  beforeAll(async () => {
    assertBuilt();
    await agentClisForTests('cli-demo-agents');
  }, AGENT_CLI_INSTALL_BOUND_MS);

  it.each(['claude', 'codex'])(
    '--agent %s: three real edits, a summary per step, everything torn down',
    async (agent) => {
      const r = await cli(['demo', 'agents', '--agent', agent, '--timeout', '120'], { timeoutMs: 180_000 });
      const dir = /project: a fresh git repository at (\S+)\/repo/.exec(r.stdout)?.[1] ?? '';
      try {
        expect(r.stdout.trimEnd().split('\n').at(-1), r.stdout + r.stderr).toBe('[demo] PASS');
        expect(r.code).toBe(0);
        expect(r.stdout.split('\n')[0]).toMatch(
          /^\[demo\] the model is SCRIPTED .* no vendor model, no API key/,
        );
        expect(r.stdout).toContain('each step works in its own git worktree');
        for (const [step, file] of [
          ['plan', 'PLAN.md'],
          ['build', 'src/greet.js'],
          ['review', 'REVIEW.md'],
        ]) {
          expect(r.stdout).toContain(`[demo] ${step}: success; wrote ${file}\n`);
          // Committed on the branch by the merge: in the log's --stat, not untracked in the checkout.
          expect(r.stdout).toMatch(new RegExp(`^ ${file.replace('.', '\\.')} +\\| +\\d+ \\+`, 'm'));
        }
        expect(r.stdout).toMatch(/\[demo\] merge: success; \w+ is now [0-9a-f]{12}/);
        expect(r.stdout).toContain('git status --short: clean');
        // The trailers of the step commits.
        expect(r.stdout.match(/Multyagents-Step: (plan|build|review)/g)).toHaveLength(3);
        expect(
          r.stdout.match(/session [0-9a-f-]{36}, \d+ turn\(s\), \d+ in \/ \d+ out tokens/g),
        ).toHaveLength(3);
        expect(r.stdout).toContain('initial commit (by the demo)');
        expect(dir).not.toBe('');
        expect(processesMentioning(dir)).toEqual([]);
        expect(fs.existsSync(dir)).toBe(false);
      } finally {
        if (dir) killLeftovers(dir);
      }
    },
  );
});
