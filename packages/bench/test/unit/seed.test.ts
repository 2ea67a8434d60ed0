import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainHotQueries } from '../../src/explain.js';
import { seedFinishedRuns } from '../../src/seed.js';
import { call, makeTestApi, type TestApi } from '../../../control-plane/test/helpers/context.js';
import {
  registerRunner,
  report,
  seedTwoStep,
  startRun,
} from '../../../control-plane/test/helpers/fixtures.js';

/** Two real runs written by the in-process API: one finished, optionally one left running. */
async function storeWithRuns(t: TestApi, leaveOneRunning: boolean): Promise<string> {
  const { templateId } = await seedTwoStep(t);
  await registerRunner(t);
  const run = await startRun(t, templateId);
  for (const id of run.task_ids as number[]) {
    expect((await call(t.app, 'POST', `/tasks/${id}/dispatch`)).status).toBe(200);
    expect((await report(t, id, { status: 'success', attempt: 1, exit_code: 0 })).status).toBe(200);
  }
  if (leaveOneRunning) {
    const other = await startRun(t, templateId);
    expect((await call(t.app, 'POST', `/tasks/${other.task_ids[0]}/dispatch`)).status).toBe(200);
  }
  const file = path.join(t.dir, 'multyagents.db');
  await t.store.close();
  return file;
}

describe('bench store seeding', () => {
  let t: TestApi;
  beforeEach(async () => {
    t = await makeTestApi();
  });
  afterEach(() => t.close().catch(() => undefined));

  it('grows a store of finished runs to exactly N with every copied row pointing at its own copies', async () => {
    const file = await storeWithRuns(t, false);
    const r = seedFinishedRuns(file, 37);
    expect(r).toMatchObject({ runs_before: 1, runs_after: 37 });
    const db = new Database(file, { readonly: true });
    try {
      const one = (q: string) => (db.prepare(q).get() as { n: number }).n;
      expect(one('SELECT COUNT(*) AS n FROM workflow_runs')).toBe(37);
      expect(one(`SELECT COUNT(*) AS n FROM workflow_runs WHERE status = 'success'`)).toBe(37);
      expect(one('SELECT COUNT(*) AS n FROM tasks')).toBe(74);
      expect(one('SELECT COUNT(DISTINCT run_id) AS n FROM tasks')).toBe(37);
      // No dangling references: tasks → runs, attempts → tasks, run events → runs, deps within a run.
      expect(one('SELECT COUNT(*) AS n FROM tasks WHERE run_id NOT IN (SELECT id FROM workflow_runs)')).toBe(
        0,
      );
      expect(one('SELECT COUNT(*) AS n FROM attempts WHERE task_id NOT IN (SELECT id FROM tasks)')).toBe(0);
      expect(one('SELECT COUNT(*) AS n FROM attempts')).toBe(74);
      expect(
        one(
          'SELECT COUNT(*) AS n FROM events WHERE run_id IS NOT NULL AND run_id NOT IN (SELECT id FROM workflow_runs)',
        ),
      ).toBe(0);
      expect(one(`SELECT COUNT(*) AS n FROM events WHERE event_type = 'task.dispatched'`)).toBe(74);
      const deps = db.prepare('SELECT COUNT(*) AS n FROM pragma_table_info(?)').get('task_deps') as {
        n: number;
      };
      if (deps.n > 0) {
        expect(
          one(
            'SELECT COUNT(*) AS n FROM task_deps d JOIN tasks a ON a.id = d.depends_on JOIN tasks b ON b.id = d.task_id WHERE a.run_id != b.run_id',
          ),
        ).toBe(0);
        expect(one('SELECT COUNT(*) AS n FROM task_deps')).toBe(37);
      }
    } finally {
      db.close();
    }
  });

  it('refuses a store with an unfinished run', async () => {
    const file = await storeWithRuns(t, true);
    expect(() => seedFinishedRuns(file, 10)).toThrow(/not finished/);
  });

  it('explains every hot query of the store operations on a seeded store', async () => {
    const file = await storeWithRuns(t, false);
    seedFinishedRuns(file, 20);
    const plans = await explainHotQueries(file);
    expect(plans.filter((p) => p.error)).toEqual([]);
    expect(new Set(plans.map((p) => p.op))).toContain('listCreatedRunTasks');
    // Reads and updates have plan steps; a plain INSERT … VALUES has none.
    const planned = plans.filter((p) => /^(SELECT|UPDATE)/.test(p.sql));
    expect(planned.length).toBeGreaterThan(5);
    for (const p of planned) expect(p.plan.length, p.sql).toBeGreaterThan(0);
  });
});
