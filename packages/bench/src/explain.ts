/**
 * EXPLAIN QUERY PLAN of the scheduler's hot queries, taken from the real store operations: each op
 * runs against a recording `Sql` that asks SQLite for the plan of every statement instead of running
 * it. So the plans shown are those of the code as built, on the store given (e.g. 1M finished runs).
 */
import Database from 'better-sqlite3';
import {
  liveAttemptCounts,
  liveAttemptsOfRunner,
} from '@multyagents/control-plane/internal/store/ops/attempts.js';
import {
  allPendingCancels,
  pendingCancelsFor,
} from '@multyagents/control-plane/internal/store/ops/cancels.js';
import { listEvents } from '@multyagents/control-plane/internal/store/ops/events.js';
import { listRunners } from '@multyagents/control-plane/internal/store/ops/runners.js';
import { listRunRows } from '@multyagents/control-plane/internal/store/ops/runs.js';
import * as tasks from '@multyagents/control-plane/internal/store/ops/tasks.js';
import {
  activeLockPaths,
  listActiveTaskRows,
  listCreatedRunTasks,
  listTasksNeedingResubmit,
  releaseDependents,
  statusesOf,
} from '@multyagents/control-plane/internal/store/ops/tasks.js';
import type { Param, Sql } from '@multyagents/control-plane/internal/store/sql.js';

export interface Plan {
  op: string;
  used_by: string;
  sql: string;
  plan: string[];
  /** True when a step scans a whole table (or alias) other than the small fixed ones: cost grows with history. */
  full_scan: boolean;
  error?: string;
}

type AnyOp = (...args: unknown[]) => Promise<unknown>;

/** Tables that stay small whatever the history (a scan of them is harmless); any other scan grows. */
const SMALL = new Set([
  'runners',
  'pending_cancels',
  'roles',
  'projects',
  'skill_packs',
  'workflow_templates',
]);

interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

function planOf(db: Database.Database, text: string, params: readonly Param[]): string[] {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as PlanRow[];
  const depth = new Map<number, number>([[0, -1]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? -1) + 1;
    depth.set(r.id, d);
    return `${'  '.repeat(d)}${r.detail}`;
  });
}

const HOT: Array<{ op: string; usedBy: string; call: (sql: Sql) => Promise<unknown> }> = [
  {
    op: 'listCreatedRunTasks',
    usedBy: 'dispatch pass (every kick), time-to-start sweep',
    call: (s) => listCreatedRunTasks(s, 500, Date.now()),
  },
  {
    op: 'listActiveTaskRows',
    usedBy: 'sweeper (every interval): deadlines',
    call: (s) => listActiveTaskRows(s),
  },
  { op: 'listTasksNeedingResubmit', usedBy: 'scheduler slow pass', call: (s) => listTasksNeedingResubmit(s) },
  {
    op: 'liveAttemptCounts',
    usedBy: 'placement (every dispatch pass), GET /runners',
    call: (s) => liveAttemptCounts(s),
  },
  {
    op: 'liveAttemptsOfRunner',
    usedBy: 'sweeper liveness, registration, heartbeat',
    call: (s) => liveAttemptsOfRunner(s, 1),
  },
  { op: 'listRunners', usedBy: 'placement, sweeper', call: (s) => listRunners(s) },
  { op: 'pendingCancelsFor', usedBy: 'every heartbeat', call: (s) => pendingCancelsFor(s, 1) },
  { op: 'allPendingCancels', usedBy: 'cancel delivery (every interval)', call: (s) => allPendingCancels(s) },
  { op: 'activeLockPaths', usedBy: 'readiness of tasks with lock paths', call: (s) => activeLockPaths(s, 1) },
  { op: 'statusesOf', usedBy: 'readiness (dependency statuses)', call: (s) => statusesOf(s, [1, 2]) },
  { op: 'releaseDependents', usedBy: 'a task succeeds', call: (s) => releaseDependents(s, 1) },
  // Ops of newer code: looked up by name so the list keeps compiling when one is renamed or removed
  // (a missing op is reported as an error row, not silently skipped).
  ...(
    [
      [
        'setDependencies',
        'run creation (per task)',
        (s: Sql, f: AnyOp) => f(s, 1, [2], '2026-01-01T00:00:00Z'),
      ],
      ['markWaitingSince', 'sweeper, no runner online', (s: Sql, f: AnyOp) => f(s, Date.now())],
      ['clearWaitingSince', 'sweeper (every interval, runner online)', (s: Sql, f: AnyOp) => f(s)],
      ['tasksWaitingSince', 'sweeper, no runner online', (s: Sql, f: AnyOp) => f(s, Date.now(), 30)],
      ['resetReadySince', 'run resumed', (s: Sql, f: AnyOp) => f(s, 1)],
    ] as const
  ).map(([name, usedBy, invoke]) => ({
    op: name,
    usedBy,
    call: async (s: Sql) => {
      const f = (tasks as Record<string, unknown>)[name];
      if (typeof f !== 'function') throw new Error(`store op ${name} no longer exists`);
      return invoke(s, f as AnyOp);
    },
  })),
  {
    op: 'listEvents(type, after_id)',
    usedBy: 'clients following completions (bench B3)',
    call: (s) => listEvents(s, { event_type: 'workflow_run.succeeded', after_id: 1, limit: 100 }),
  },
  {
    op: 'listRunRows(status)',
    usedBy: 'GET /workflow-runs?status=',
    call: (s) => listRunRows(s, { status: 'running', limit: 100 }),
  },
];

export async function explainHotQueries(dbFile: string): Promise<Plan[]> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  const out: Plan[] = [];
  try {
    for (const h of HOT) {
      const seen: Array<{ text: string; params: readonly Param[] }> = [];
      const rec = async (text: string, params: readonly Param[] = []) => {
        seen.push({ text, params });
        return undefined;
      };
      const sql: Sql = {
        all: async (text, params) => {
          await rec(text, params);
          return [];
        },
        get: async (text, params) => {
          await rec(text, params);
          return undefined;
        },
        run: async (text, params) => {
          await rec(text, params);
          return { changes: 0, lastId: 0 };
        },
      };
      try {
        await h.call(sql);
        for (const s of seen) {
          const plan = planOf(db, s.text, s.params);
          out.push({
            op: h.op,
            used_by: h.usedBy,
            sql: s.text.replace(/\s+/g, ' ').trim(),
            plan,
            full_scan: plan.some((l) => {
              const m = /^SCAN (\w+)(.*)$/.exec(l.trim());
              return (
                m !== null && !SMALL.has(m[1]) && !/USING (COVERING |INTEGER PRIMARY )?(INDEX|KEY)/.test(m[2])
              );
            }),
          });
        }
      } catch (err) {
        out.push({
          op: h.op,
          used_by: h.usedBy,
          sql: '',
          plan: [],
          full_scan: false,
          error: (err as Error).message,
        });
      }
    }
  } finally {
    db.close();
  }
  return out;
}
