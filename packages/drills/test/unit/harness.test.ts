import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SteadyStateError, type Drill } from '../../src/drill.js';
import { runChaos } from '../../src/harness.js';
import { DEFAULT_TIMEOUTS } from '../../src/schedule.js';
import { check } from '../../src/verdict.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-harness-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Drills that start no process: the harness's composition, evidence and verdicts alone. */
function drill(
  id: string,
  run: Drill['run'],
  budgets: Drill['budgets'] = () => ({ detection_ms: null, recovery_ms: null }),
  timeoutMs = 5000,
): Drill {
  return { id, name: id, summary: id, timeoutMs, budgets, run };
}

const passing = drill(
  'passes',
  async (ctx) => {
    ctx.injected('nothing, really');
    ctx.fault.fired = true;
    ctx.fault.healed = true;
    ctx.details.seen = 42;
    return { checks: [check('ok', true, 'fine')], detection_ms: 10, recovery_ms: 20 };
  },
  () => ({ detection_ms: 100, recovery_ms: 10 }),
);
const unfired = drill('unfired', async (ctx) => {
  ctx.fault.healed = true;
  return { checks: [check('ok', true, 'fine')] };
});
const unsteady = drill('unsteady', async () => {
  throw new SteadyStateError('steady state not reached: API healthy');
});
const hanging = drill('hanging', () => new Promise(() => undefined), undefined, 200);

describe('chaos harness', () => {
  it('composes verdicts, budgets, timings and evidence per drill, and cleans its registry up', async () => {
    const progress: string[] = [];
    const out = await runChaos({
      drills: [passing, unfired, unsteady, hanging],
      seed: 9,
      timeouts: DEFAULT_TIMEOUTS,
      evidenceRoot: path.join(tmp, 'evidence'),
      keep: false,
      stateDir: path.join(tmp, 'state'),
      baseEnv: {},
      progress: (l) => progress.push(l),
    });
    const byId = Object.fromEntries(out.report.scenarios.map((s) => [s.scenario, s]));
    expect(out.report.summary).toEqual({
      overall_status: 'failed',
      total: 4,
      passed: 0,
      failed: 3,
      inconclusive: 1,
    });

    // The budget the drill missed (recovery 20 ms > 10 ms) fails it even though its own check passed.
    expect(byId.passes!.status).toBe('failed');
    expect(byId.passes!.checks.map((c) => [c.name, c.valid])).toEqual([
      ['ok', true],
      ['detection_within_budget', true],
      ['recovery_within_budget', false],
    ]);
    expect(byId.passes!.details.seen).toBe(42);
    expect(byId.passes!.fault.when).toHaveLength(1);
    expect(byId.passes!.timings).toMatchObject({ detection_ms: 10, recovery_ms: 20 });

    expect(byId.unfired!.status).toBe('inconclusive');
    expect(byId.unsteady!).toMatchObject({ status: 'failed', error: null });
    expect(byId.unsteady!.checks[0]).toMatchObject({ name: 'steady_state', valid: false });
    expect(byId.hanging!.status).toBe('failed');
    expect(byId.hanging!.error).toContain('did not finish within 200 ms');

    expect(out.report.config).toMatchObject({
      seed: 9,
      drills: ['passes', 'unfired', 'unsteady', 'hanging'],
    });
    expect(fs.existsSync(path.join(out.evidenceDir, 'report.json'))).toBe(true);
    expect(
      JSON.parse(fs.readFileSync(path.join(out.evidenceDir, 'passes', 'result.json'), 'utf8')).status,
    ).toBe('failed');
    expect(path.basename(out.evidenceDir)).toMatch(/-seed9$/);
    expect(fs.readdirSync(path.join(tmp, 'state'))).toEqual([]);
    expect(progress.some((l) => l.startsWith('[chaos] hanging: FAILED'))).toBe(true);
  });

  it('a drill that passes every check with a fired, healed fault is a success', async () => {
    const ok = drill('clean', async (ctx) => {
      ctx.fault.fired = true;
      ctx.fault.healed = true;
      return { checks: [check('ok', true, 'fine')] };
    });
    const out = await runChaos({
      drills: [ok],
      seed: 1,
      timeouts: DEFAULT_TIMEOUTS,
      evidenceRoot: path.join(tmp, 'evidence2'),
      keep: false,
      stateDir: path.join(tmp, 'state2'),
      baseEnv: {},
      progress: () => undefined,
    });
    expect(out.report.summary.overall_status).toBe('success');
    // Data dirs of drills that passed are removed unless --keep.
    expect(fs.existsSync(path.join(out.evidenceDir, 'clean', 'data'))).toBe(false);
  });
});
