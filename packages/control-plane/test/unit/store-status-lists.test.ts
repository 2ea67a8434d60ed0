import path from 'node:path';
import { ACTIVE_TASK_STATUSES, LIVE_ATTEMPT_STATUSES } from '@multyagents/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlList } from '../../src/store/sql.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { removeTempDirs, tempDir } from '../helpers/context.js';

/**
 * The status lists in store/ops queries are built from the contracts' constants; SQLite uses a partial
 * index only when the query's `IN` list matches the index's. A constant reordered or extended without
 * a migration would silently turn the sweeper's and placement's index walks into full scans.
 */
describe('status lists in SQL match the partial indexes', () => {
  afterAll(removeTempDirs);

  it('attempts_live and tasks_active are written with the same lists as the constants', async () => {
    const store = SqliteStore.open({
      file: path.join(tempDir(), 'db.sqlite'),
      durability: 'relaxed',
      exclusive: true,
    });
    try {
      const index = (name: string) =>
        store.read((sql) => sql.get<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = ?`, [name]));
      expect((await index('attempts_live'))?.sql).toContain(`status IN ${sqlList(LIVE_ATTEMPT_STATUSES)}`);
      expect((await index('tasks_active'))?.sql).toContain(`status IN ${sqlList(ACTIVE_TASK_STATUSES)}`);
      const plan = await store.read((sql) =>
        sql.all<{ detail: string }>(
          `EXPLAIN QUERY PLAN SELECT * FROM tasks WHERE status IN ${sqlList(ACTIVE_TASK_STATUSES)} ORDER BY id`,
        ),
      );
      expect(plan.map((p) => p.detail).join(' ')).toContain('tasks_active');
    } finally {
      await store.close();
    }
  });

  it('quotes values', () => {
    expect(sqlList(['a', "b'c"])).toBe("('a','b''c')");
  });
});
