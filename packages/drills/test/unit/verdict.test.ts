import { describe, expect, it } from 'vitest';
import type { FaultRecord, ScenarioResult } from '../../src/types.js';
import {
  budgetCheck,
  buildReport,
  buildSummary,
  check,
  composeVerdict,
  finalLine,
  inconclusiveCheck,
  progressLine,
} from '../../src/verdict.js';

const fired: FaultRecord = { what: 'kill -9', when: ['t'], fired: true, healed: true, notes: [] };
const ok = check('a', true, 'fine');
const bad = check('b', false, 'broken');
const unsure = inconclusiveCheck('c', 'not exercised');

describe('verdict composition', () => {
  it('success needs a fired and healed fault and every check valid', () => {
    expect(composeVerdict([ok], fired)).toBe('success');
  });

  it('any invalid check fails, even when the fault did not fire', () => {
    expect(composeVerdict([ok, bad], fired)).toBe('failed');
    expect(composeVerdict([bad, unsure], { ...fired, fired: false })).toBe('failed');
  });

  it('a fault that did not fire, or was not healed, is inconclusive — never success', () => {
    expect(composeVerdict([ok], { ...fired, fired: false })).toBe('inconclusive');
    expect(composeVerdict([ok], { ...fired, healed: false })).toBe('inconclusive');
  });

  it('an oracle that could not be evaluated, or no oracle at all, is inconclusive', () => {
    expect(composeVerdict([ok, unsure], fired)).toBe('inconclusive');
    expect(composeVerdict([], fired)).toBe('inconclusive');
  });

  it('a harness error fails the drill', () => {
    expect(composeVerdict([ok], fired, 'timed out')).toBe('failed');
  });

  it('budgets: within, over, and unmeasured', () => {
    expect(budgetCheck('d', 900, 1000).valid).toBe(true);
    expect(budgetCheck('d', 1001, 1000)).toMatchObject({ valid: false, detail: '1001 ms (budget 1000 ms)' });
    expect(budgetCheck('d', null, 1000)).toMatchObject({ inconclusive: true });
  });
});

describe('summary and report', () => {
  const s = (status: ScenarioResult['status']) => ({ status });

  it('counts each verdict and is success only when every drill passed', () => {
    expect(buildSummary([s('success'), s('success')])).toEqual({
      overall_status: 'success',
      total: 2,
      passed: 2,
      failed: 0,
      inconclusive: 0,
    });
    expect(buildSummary([s('success'), s('inconclusive')]).overall_status).toBe('inconclusive');
    expect(buildSummary([s('inconclusive'), s('failed'), s('success')])).toEqual({
      overall_status: 'failed',
      total: 3,
      passed: 1,
      failed: 1,
      inconclusive: 1,
    });
    expect(buildSummary([]).overall_status).toBe('inconclusive');
  });

  it('prints PASS only for success', () => {
    expect(finalLine(buildSummary([s('success')]))).toBe('[chaos] PASS');
    expect(finalLine(buildSummary([s('inconclusive')]))).toBe('[chaos] FAIL');
    expect(finalLine(buildSummary([s('failed')]))).toBe('[chaos] FAIL');
  });

  it('builds the document with config, summary and scenarios', () => {
    const r = buildReport({ seed: 3 }, []);
    expect(Object.keys(r)).toEqual(['config', 'summary', 'scenarios']);
    expect(r.config).toEqual({ seed: 3 });
  });

  it('progress lines name the failing checks', () => {
    const line = progressLine({
      scenario: 'x',
      status: 'failed',
      checks: [ok, bad],
      timings: { detection_ms: 5, recovery_ms: null, wall_ms: 1500 },
      error: null,
    });
    expect(line).toBe('[chaos] x: FAILED (2 checks; detection 5 ms, wall 1.5 s) — b');
  });
});
