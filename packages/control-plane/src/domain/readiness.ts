/**
 * Whether a task may be dispatched now (pure): the one definition, used by the scheduler's claim pass,
 * manual dispatch, `dispatch-ready` / `control-loop` plans and the time-to-start sweep. The services
 * gather the facts (services/readiness.ts); the checks and their order live here.
 *
 * The scheduler's candidate query (store/ops/tasks.ts `listCreatedRunTasks`) narrows with an index
 * before this runs — created, dependencies counted done, backoff over, run dispatching — so every
 * task it skips is one this function would refuse; what it returns is still judged here in full.
 */
import type { RunStatus, TaskStatus } from '@multyagents/contracts';
import { isInside } from './paths.js';
import { runAcceptsDispatch } from './runMachine.js';
import { isUnsuccessfulTask } from './taskMachine.js';

export type NotReadyReason =
  | 'run not active'
  | 'not created'
  | 'dependencies failed'
  | 'dependencies not satisfied'
  | 'required handoff artifacts missing'
  | 'approval pending'
  | 'approval rejected'
  | 'backoff'
  | 'lock conflict';

export type Readiness = { ready: true } | { ready: false; reason: NotReadyReason };

export interface ReadinessFacts {
  /** null for a task outside any run. */
  runStatus: RunStatus | null;
  status: TaskStatus;
  dependencyStatuses: readonly TaskStatus[];
  missingArtifacts: number;
  approval: 'none' | 'pending' | 'approved' | 'rejected';
  nextAttemptAt: number | null;
  now: number;
  /** The task's lock paths and those held by active tasks (a task about to start needs its paths free). */
  lockPaths: readonly string[];
  heldLockPaths: ReadonlyArray<readonly string[]>;
}

export function readiness(f: ReadinessFacts): Readiness {
  if (f.runStatus !== null && !runAcceptsDispatch(f.runStatus)) return notReady('run not active');
  if (f.status !== 'created') return notReady('not created');
  if (f.dependencyStatuses.some(isUnsuccessfulTask)) return notReady('dependencies failed');
  if (!f.dependencyStatuses.every((s) => s === 'success')) return notReady('dependencies not satisfied');
  if (f.missingArtifacts > 0) return notReady('required handoff artifacts missing');
  if (f.approval === 'pending') return notReady('approval pending');
  if (f.approval === 'rejected') return notReady('approval rejected');
  if (f.nextAttemptAt !== null && f.nextAttemptAt > f.now) return notReady('backoff');
  if (f.heldLockPaths.some((held) => pathsOverlap(f.lockPaths, held))) return notReady('lock conflict');
  return { ready: true };
}

function notReady(reason: NotReadyReason): Readiness {
  return { ready: false, reason };
}

/** Two lock sets conflict when a path of one is inside (or equal to) a path of the other. */
export function pathsOverlap(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => isInside(x, y) || isInside(y, x)));
}
