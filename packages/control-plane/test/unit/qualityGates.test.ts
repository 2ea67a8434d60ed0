import { QualityGatePolicy } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import {
  evaluateGates,
  policyOf,
  rollUpGates,
  storedStep,
  type GateFacts,
} from '../../src/domain/qualityGates.js';

const policy = (...checks: Array<[string, 'blocker' | 'warn', boolean?]>) =>
  QualityGatePolicy.parse({
    required_checks: checks.map(([check, severity, required = true]) => ({ check, severity, required })),
  });
const facts = (f: Partial<GateFacts>): GateFacts => ({
  taskId: 1,
  status: 'success',
  requiresApproval: false,
  approval: null,
  handoff: null,
  artifacts: new Map(),
  ...f,
});
const statusOf = (p: QualityGatePolicy, f: Partial<GateFacts>) =>
  evaluateGates(p, facts(f)).checks.map((c) => c.status);

describe('quality gates (first-version checks)', () => {
  it('judges each check by the task status, approval, handoff and artifacts', () => {
    const all = policy(
      ['task-status', 'blocker'],
      ['approval-status', 'blocker'],
      ['handoff-present', 'blocker'],
      ['required-artifacts-present', 'blocker'],
    );
    expect(statusOf(all, { status: 'running' })).toEqual(['pending', 'skipped', 'pending', 'pending']);
    expect(statusOf(all, { status: 'failed' })).toEqual(['fail', 'skipped', 'fail', 'fail']);
    expect(statusOf(all, { requiresApproval: true, approval: 'pending' })).toEqual([
      'pass',
      'pending',
      'fail',
      'fail',
    ]);
    expect(statusOf(all, { requiresApproval: true, approval: 'rejected' })[1]).toBe('fail');
    const handoff = { summary: 'done', run_id: 7, required_artifact_ids: [10, 11, 12] };
    const arts = new Map([
      [10, { producer_task_id: 1, run_id: 7 }],
      [11, { producer_task_id: 2, run_id: 7 }],
      [12, { producer_task_id: 1, run_id: 8 }],
    ]);
    const s = evaluateGates(all, facts({ handoff, artifacts: arts }));
    expect(s.checks.map((c) => c.status)).toEqual(['pass', 'skipped', 'pass', 'fail']);
    expect(s.checks[3]!.details).toMatchObject({
      missing_artifact_ids: [],
      invalid_producer_ids: [11],
      invalid_run_ids: [12],
    });
    expect(statusOf(all, { handoff: { summary: ' ', run_id: 7, required_artifact_ids: [] } })).toEqual([
      'pass',
      'skipped',
      'fail',
      'pass',
    ]);
  });

  it('summarises: blocker → fail, else pending → pending, else pass with warnings counted', () => {
    const p = policy(
      ['task-status', 'blocker'],
      ['handoff-present', 'warn'],
      ['handoff-present', 'blocker', false],
    );
    const ok = evaluateGates(p, facts({}));
    expect(ok).toMatchObject({ status: 'pass', blocker_failures: 0, warning_failures: 2, failed_checks: 2 });
    expect(ok.checks.map((c) => c.blocker)).toEqual([false, false, false]);
    const bad = evaluateGates(policy(['handoff-present', 'blocker']), facts({}));
    expect(bad).toMatchObject({
      status: 'fail',
      blocker_failures: 1,
      summary_text: '1 blocker gate(s) failed.',
    });
    expect(evaluateGates(policy(['task-status', 'blocker']), facts({ status: 'queued' })).status).toBe(
      'pending',
    );
    expect(evaluateGates(QualityGatePolicy.parse({}), facts({})).status).toBe('not-configured');
  });

  it('rolls a run up: any blocker fails it, pending keeps it pending, no checks is not-configured', () => {
    const pass = evaluateGates(policy(['task-status', 'blocker']), facts({}));
    const fail = evaluateGates(policy(['handoff-present', 'blocker']), facts({}));
    const pending = evaluateGates(policy(['task-status', 'blocker']), facts({ status: 'created' }));
    const none = evaluateGates(QualityGatePolicy.parse({}), facts({}));
    expect(rollUpGates([pass, fail, pending])).toMatchObject({
      status: 'fail',
      total_tasks: 3,
      passing_tasks: 1,
      failing_tasks: 1,
      pending_tasks: 1,
      blocker_failures: 1,
    });
    expect(rollUpGates([pass, pending]).status).toBe('pending');
    expect(rollUpGates([none]).status).toBe('not-configured');
    expect(rollUpGates([]).status).toBe('not-configured');
    expect(rollUpGates([pass, none])).toMatchObject({ status: 'pass', not_configured_tasks: 1 });
  });

  it('reads stored policies and steps: absent or unreadable → the default task-status blocker', () => {
    expect(policyOf(null).required_checks.map((c) => c.check)).toEqual(['task-status']);
    expect(policyOf('{"required_checks":["tests"]}').required_checks.map((c) => c.check)).toEqual([
      'task-status',
    ]);
    expect(policyOf('{"min_score":1}')).toEqual({ required_checks: [] });
    const old = { step_id: 's', role_id: 1, title: 'S', quality_gate_policy: { required_checks: ['tests'] } };
    expect(storedStep(old).quality_gate_policy).toBeUndefined();
    expect(() => storedStep({ step_id: 's' })).toThrow();
  });
});
