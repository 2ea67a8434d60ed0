import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/procinfo.js';
import type { ChaosReport } from '../../src/types.js';
import { BIN } from '../../../control-plane/test/helpers/procs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-chaos-'));
const ENV = { ...process.env, MULTYAGENTS_CHAOS_STATE_DIR: path.join(tmp, 'state') };

function chaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'chaos', ...args], {
      env: ENV,
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('multyagents chaos: the two required drills, for real', () => {
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('api_restart_tolerant_flow and runner_unreachable_active_run pass, with one JSON document and PASS last', async () => {
    const r = await chaos([
      '--only',
      'api_restart_tolerant_flow,runner_unreachable_active_run',
      '--evidence-dir',
      path.join(tmp, 'evidence'),
      '--json',
      path.join(tmp, 'report.json'),
    ]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1], r.stderr).toBe('[chaos] PASS');
    expect(r.code).toBe(0);
    const report = JSON.parse(lines.slice(0, -1).join('\n')) as ChaosReport;
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'report.json'), 'utf8'))).toEqual(report);
    expect(report.summary).toEqual({
      overall_status: 'success',
      total: 2,
      passed: 2,
      failed: 0,
      inconclusive: 0,
    });
    expect(report.config).toMatchObject({ seed: 1, store: { kind: 'sqlite' } });

    const [restart, unreachable] = report.scenarios;
    expect(restart!.scenario).toBe('api_restart_tolerant_flow');
    expect(restart!.fault).toMatchObject({ fired: true, healed: true });
    expect(restart!.fault.when).toHaveLength(2);
    const names = (s: typeof restart) => Object.fromEntries(s!.checks.map((c) => [c.name, c.valid]));
    expect(names(restart)).toMatchObject({
      each_step_executed_once: true,
      acknowledged_durable: true,
      eventual_completion: true,
      terminal_states_absorbing: true,
    });
    expect(restart!.timings.recovery_ms).toBeGreaterThan(0);
    expect((restart!.details.strikes as Array<{ signal: string }>).map((s) => s.signal).sort()).toEqual([
      'SIGKILL',
      'SIGTERM',
    ]);

    expect(unreachable!.status).toBe('success');
    const hit = unreachable!.details.hit_task as { status: string; failure_triage_hints: string[] };
    expect(hit.status).toBe('submit-failed');
    expect(hit.failure_triage_hints.length).toBeGreaterThan(0);
    expect(names(unreachable)).toMatchObject({ triage_hints_name_the_runner: true, runs_failed: true });

    // Evidence kept per drill; every process the harness started is gone; the registry is cleaned up.
    for (const s of report.scenarios) {
      for (const f of ['result.json', 'api.log', 'ledger.jsonl', 'history.json'])
        expect(fs.existsSync(path.join(s.evidence!, f)), f).toBe(true);
      expect(fs.existsSync(path.join(s.evidence!, 'data'))).toBe(false);
    }
    for (const pid of restart!.details.api_pids as number[]) expect(isAlive(pid)).toBe(false);
    expect(fs.readdirSync(path.join(tmp, 'state'))).toEqual([]);
    expect(r.stderr).toContain('[chaos] api_restart_tolerant_flow: SUCCESS');
  });

  it('--list names the drills; unknown drills and bad seeds are usage errors (exit 2)', async () => {
    const list = await chaos(['--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('api_restart_tolerant_flow');
    expect(list.stdout).toContain('runner_unreachable_active_run');
    const bad = await chaos(['--only', 'no_such_drill']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown drill no_such_drill');
    expect((await chaos(['--seed', 'abc'])).code).toBe(2);
  });
});
