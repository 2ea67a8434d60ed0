import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TERMINAL_TASK_STATUSES } from '@multyagents/contracts';
import { sweep } from '../../src/scheduler/sweeper.js';
import { call, makeTestApi, type TestApi } from '../helpers/context.js';
import { registerRunner, report, startRun } from '../helpers/fixtures.js';

/**
 * A run that ends leaves no task of it open, whatever order its tasks' losses are applied in. Four
 * parallel steps whose roles alternate with and without `retry_on: [runner-transient]`: when their
 * runner is lost, a no-retry task fails the run; a retrying sibling must not go back to `created`
 * in a run that can no longer dispatch it (it stayed there forever before the fix).
 */
describe('a terminal run keeps no task non-terminal', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi({ heartbeatTimeoutMs: 5_000, lostGraceMs: 5_000 });
  });
  afterEach(() => t.close());

  async function fourParallelRunning(retryingFirst: boolean) {
    const once = await call(t.app, 'POST', '/roles', { name: 'once' });
    const retrying = await call(t.app, 'POST', '/roles', {
      name: 'retrying',
      execution_constraints: { retry_policy: { max_retries: 3, retry_on: ['runner-transient'] } },
    });
    const roles = retryingFirst ? [retrying, once] : [once, retrying];
    const steps = ['a', 'b', 'c', 'd'].map((id, i) => ({
      step_id: id,
      role_id: roles[i % 2]!.body.id,
      title: `step ${id}`,
    }));
    const tpl = await call(t.app, 'POST', '/workflow-templates', { name: 'four', steps });
    await registerRunner(t, 'r1', 4);
    const run = await startRun(t, tpl.body.id);
    for (const id of run.task_ids) {
      expect((await call(t.app, 'POST', `/tasks/${id}/dispatch`)).status).toBe(200);
      expect((await report(t, id, { status: 'running', attempt: 1 })).status).toBe(200);
    }
    return run;
  }

  for (const retryingFirst of [false, true]) {
    it(`runner lost under four running steps (${retryingFirst ? 'retrying' : 'no-retry'} task first)`, async () => {
      const run = await fourParallelRunning(retryingFirst);
      t.clock.advance(5_001);
      expect((await sweep(t.ctx)).unreachable).toBe(1);
      t.clock.advance(5_001);
      expect((await sweep(t.ctx)).lost).toBe(4);
      // Later passes (a retry's backoff would have ended by then) change nothing.
      t.clock.advance(120_000);
      await sweep(t.ctx);
      const runView = (await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body;
      expect(runView.status).toBe('failed');
      const tasks = (await call(t.app, 'GET', `/tasks?run_id=${run.id}`)).body as Array<{
        id: number;
        status: string;
        failure_category: string;
      }>;
      for (const task of tasks) {
        expect(TERMINAL_TASK_STATUSES, `task ${task.id} is ${task.status}`).toContain(task.status);
        expect(['runner-lost', 'canceled']).toContain(task.failure_category);
      }
      const summary = (await call(t.app, 'GET', `/workflow-runs/${run.id}/execution-summary`)).body;
      expect(summary.pending_task_ids).toEqual([]);
      expect(summary.active_task_ids).toEqual([]);
    });
  }

  it('a failed report that the policy would retry ends the task when its run has already failed', async () => {
    const run = await fourParallelRunning(false);
    // a (no retry) fails: the run fails; b (retrying) then fails too.
    await report(t, run.task_ids[0]!, { status: 'failed', attempt: 1, exit_code: 1 });
    expect((await call(t.app, 'GET', `/workflow-runs/${run.id}`)).body.status).toBe('failed');
    await t.store.tx((sql) =>
      sql.run(`UPDATE tasks SET retry_policy = ? WHERE id = ?`, [
        JSON.stringify({ max_retries: 3, retry_on: ['unknown', 'agent-error'] }),
        run.task_ids[1]!,
      ]),
    );
    await report(t, run.task_ids[1]!, { status: 'failed', attempt: 1, exit_code: 1 });
    const b = (await call(t.app, 'GET', `/tasks/${run.task_ids[1]}`)).body;
    expect(b.status).toBe('failed');
    expect(b.retries_used).toBe(0);
  });
});
