import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRuns, listRunPage, runsNewerThanPage, type RunFilter } from '../../src/store/ops/runs.js';
import { activeCandidates, readyCandidates, undeliveredCancels } from '../../src/store/ops/stuck.js';
import {
  countTasks,
  listTaskPage,
  tasksNewerThanPage,
  type TaskFilter,
} from '../../src/store/ops/taskList.js';
import type { Param, Sql } from '../../src/store/sql.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { removeTempDirs, tempDir } from '../helpers/context.js';

/**
 * The cockpit's lists must cost a page, not the store: each filtered page and count is an index walk
 * (migration 012), checked on the real schema with EXPLAIN QUERY PLAN of the statements the store
 * operations issue. A bare `SCAN <table>` (no index) over tasks or runs fails the check.
 */
let store: SqliteStore;

async function plansOf(op: (sql: Sql) => Promise<unknown>): Promise<string[]> {
  const plans: string[] = [];
  await store.read(async (real) => {
    const explain = async (text: string, params: readonly Param[] = []) => {
      const rows = await real.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`, params);
      plans.push(rows.map((r) => r.detail).join(' | '));
      return [];
    };
    const sql: Sql = {
      all: explain as Sql['all'],
      get: (async (t: string, p?: readonly Param[]) => (await explain(t, p))[0]) as Sql['get'],
      run: async (t, p) => (await explain(t, p), { changes: 0, lastId: 0 }),
    };
    await op(sql);
  });
  return plans;
}

const FULL_SCAN = /\bSCAN (tasks|workflow_runs|t|r)\b(?! USING)/;

beforeAll(() => {
  store = SqliteStore.open({
    file: path.join(tempDir(), 'db.sqlite'),
    durability: 'relaxed',
    exclusive: true,
  });
});
afterAll(async () => {
  await store.close();
  removeTempDirs();
});

describe('list query plans', () => {
  const runCases: Array<[RunFilter, string]> = [
    [{ status: 'failed' }, 'workflow_runs_status'],
    [{ workflow_template_id: 3 }, 'workflow_runs_template'],
    [{ initiated_by: 'alice' }, 'workflow_runs_initiator'],
  ];
  it.each(runCases)('runs %j: page, count and position through %s', async (filter, index) => {
    const plans = await plansOf(async (sql) => {
      await listRunPage(sql, filter, 1000, 51);
      await countRuns(sql, filter);
      await runsNewerThanPage(sql, filter, 1000, 50);
    });
    expect(plans).toHaveLength(4);
    for (const plan of plans) {
      expect(plan).toContain(index);
      expect(plan).not.toMatch(FULL_SCAN);
    }
    // The position's count and the newer page's cursor are ranges of the index from the cursor up.
    for (const plan of plans.slice(2)) expect(plan).toMatch(/\(\w+=\? AND id>\?\)/);
  });

  it('runs without filters: the page walks the primary key backwards from the cursor, the position forwards', async () => {
    const [page, offset, prev] = await plansOf(async (sql) => {
      await listRunPage(sql, {}, 1000, 51);
      await runsNewerThanPage(sql, {}, 1000, 50);
    });
    expect(page).toMatch(/SEARCH workflow_runs USING INTEGER PRIMARY KEY \(rowid<\?\)/);
    for (const plan of [offset, prev]) expect(plan).toMatch(/SEARCH workflow_runs USING .*\(rowid>\?\)/);
  });

  const taskCases: Array<[TaskFilter, string]> = [
    [{ status: 'failed' }, 'tasks_terminal'],
    [{ status: 'success' }, 'tasks_terminal'],
    [{ status: 'running' }, 'tasks_active'],
    [{ runner_id: 2 }, 'tasks_runner'],
    [{ step_id: 'build' }, 'tasks_step'],
    [{ run_id: 5, status: 'failed' }, 'tasks_'],
  ];
  it.each(taskCases)('tasks %j: page, count and position through %s', async (filter, index) => {
    const plans = await plansOf(async (sql) => {
      await listTaskPage(sql, filter, 1000, 51);
      await countTasks(sql, filter);
      await tasksNewerThanPage(sql, filter, 1000, 50);
    });
    expect(plans).toHaveLength(4);
    for (const plan of plans) {
      expect(plan).toContain(index);
      expect(plan).not.toMatch(FULL_SCAN);
    }
    for (const plan of plans.slice(2)) expect(plan).toMatch(/id>\?\)/);
  });

  it('tasks without filters: the position walks the primary key forwards from the cursor', async () => {
    const plans = await plansOf((sql) => tasksNewerThanPage(sql, {}, 1000, 50));
    for (const plan of plans) expect(plan).toMatch(/SEARCH tasks USING .*\(rowid>\?\)/);
  });

  it('stuck-task candidates start from the ready, active and pending-cancel sets', async () => {
    const plans = await plansOf(async (sql) => {
      await readyCandidates(sql, 0, 100);
      await activeCandidates(sql);
      await undeliveredCancels(sql);
    });
    expect(plans[0]).toContain('tasks_ready');
    expect(plans[1]).toContain('tasks_active');
    for (const p of plans) expect(p).not.toMatch(FULL_SCAN);
  });
});
