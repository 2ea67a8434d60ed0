/**
 * Seeding big stores of finished runs for B6/B7, without going through the API: the store is grown
 * by doubling — every table row that belongs to a run is copied with its ids shifted past the current
 * maximum (INSERT … SELECT), so the copies are real rows the API wrote, indexes included. The column
 * lists come from the live schema (PRAGMA table_info), so a new migration does not break seeding as
 * long as runs own their rows through `run_id` / `task_id` / `producer_task_id` columns.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';

interface Table {
  name: string;
  cols: string[];
  hasId: boolean;
  runCol: boolean;
  taskCols: string[];
}

const TASK_COLS = ['task_id', 'producer_task_id'];

/** Integer columns holding a task id (task_deps.depends_on is one; tasks.depends_on is JSON text). */
const isTaskCol = (name: string, type: string) =>
  TASK_COLS.includes(name) || (name === 'depends_on' && /INT/i.test(type));

function runOwnedTables(db: Database.Database): Table[] {
  const names = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .all() as { name: string }[];
  const out: Table[] = [];
  for (const { name } of names) {
    const info = db.prepare(`PRAGMA table_info(${name})`).all() as { name: string; type: string }[];
    const cols = info.map((c) => c.name);
    const runCol = cols.includes('run_id');
    const taskCols = info.filter((c) => isTaskCol(c.name, c.type)).map((c) => c.name);
    if (name === 'pending_cancels') continue; // live state, never part of a finished run
    if (name !== 'workflow_runs' && !runCol && taskCols.length === 0) continue;
    out.push({ name, cols, hasId: cols.includes('id'), runCol, taskCols });
  }
  // Parents before children (foreign keys point at runs and tasks).
  const order = (t: Table) => (t.name === 'workflow_runs' ? 0 : t.name === 'tasks' ? 1 : 2);
  return out.sort((a, b) => order(a) - order(b));
}

export interface SeedResult {
  runs_before: number;
  runs_after: number;
  rounds: number;
  ms: number;
}

const maxId = (db: Database.Database, table: string): number =>
  (db.prepare(`SELECT COALESCE(MAX(id), 0) AS m FROM ${table}`).get() as { m: number }).m;

export function seedFinishedRuns(dbFile: string, targetRuns: number): SeedResult {
  const t0 = Date.now();
  const db = new Database(dbFile);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    const live = db
      .prepare(`SELECT COUNT(*) AS n FROM workflow_runs WHERE status NOT IN ('success','failed','aborted')`)
      .get() as { n: number };
    if (live.n > 0) throw new Error(`cannot seed: ${live.n} run(s) are not finished`);
    const tables = runOwnedTables(db);
    const count = () => (db.prepare('SELECT COUNT(*) AS n FROM workflow_runs').get() as { n: number }).n;
    const before = count();
    if (before === 0) throw new Error('cannot seed an empty store: run a few real runs first');
    let rounds = 0;
    while (count() < targetRuns) {
      const need = targetRuns - count();
      // Copy the runs with id ≤ lim: all of them, or just enough in the last round.
      const lim = (
        db
          .prepare('SELECT id FROM workflow_runs ORDER BY id LIMIT 1 OFFSET ?')
          .get(Math.min(need, count()) - 1) as {
          id: number;
        }
      ).id;
      const runOff = maxId(db, 'workflow_runs');
      const taskOff = maxId(db, 'tasks');
      db.transaction(() => {
        for (const t of tables) {
          const off = t.hasId ? maxId(db, t.name) : 0;
          const expr = t.cols.map((c) => {
            if (c === 'id')
              return `id + ${t.name === 'workflow_runs' ? runOff : t.name === 'tasks' ? taskOff : off}`;
            if (c === 'run_id') return `run_id + ${runOff}`;
            if (t.taskCols.includes(c)) return `${c} + ${taskOff}`;
            return c;
          });
          const where =
            t.name === 'workflow_runs'
              ? `id <= ${lim}`
              : t.runCol
                ? `run_id <= ${lim}`
                : `${t.taskCols.includes('task_id') ? 'task_id' : t.taskCols[0]} IN (SELECT id FROM tasks WHERE run_id <= ${lim})`;
          db.exec(
            `INSERT INTO ${t.name} (${t.cols.join(', ')}) SELECT ${expr.join(', ')} FROM ${t.name} WHERE ${where}`,
          );
        }
      })();
      rounds++;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = count();
    db.close();
    flushToDisk(dbFile);
    return { runs_before: before, runs_after: after, rounds, ms: Date.now() - t0 };
  } finally {
    if (db.open) db.close();
  }
}

/**
 * Seeding writes with synchronous=OFF: gigabytes (4 GB for 1M runs) are left for the kernel to write
 * back, which it does in the next tens of seconds — while the API measured on that store would run.
 * A store that grew to 1M runs over months has no such backlog; flush it before anything is measured.
 */
function flushToDisk(dbFile: string): void {
  for (const f of [dbFile, `${dbFile}-wal`]) {
    let fd: number;
    try {
      fd = fs.openSync(f, 'r');
    } catch {
      continue;
    }
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
