/** The drill catalogue, in the order they run (the two the product requires first). */
import type { Drill } from './drill.js';
import { crashAfterClaimBeforeSubmit } from './scenarios/claimCrash.js';
import { apiSigtermAtJoin } from './scenarios/sigtermAtJoin.js';
import { apiPausedReportsDue } from './scenarios/apiPaused.js';
import { runnerBlackHoled } from './scenarios/blackHole.js';
import { cancelDuringPartition } from './scenarios/cancelPartitioned.js';
import { runnerOutOfFds } from './scenarios/runnerOutOfFds.js';
import { tornWalTail } from './scenarios/tornWal.js';
import { clockJumps } from './scenarios/clockJump.js';
import { callbacksDuringApiOutage } from './scenarios/apiOutage.js';
import { apiRestartTolerantFlow } from './scenarios/apiRestart.js';
import { crashLoop } from './scenarios/crashLoop.js';
import { diskFullStore } from './scenarios/diskFull.js';
import { diskFullRunnerJournal } from './scenarios/diskFullRunner.js';
import { agentOutOfMemory } from './scenarios/agentOutOfMemory.js';
import { duplicateAndReorderedCallbacks } from './scenarios/duplicateCallbacks.js';
import { fsyncFailStop } from './scenarios/fsyncFailStop.js';
import { latencyAndResets } from './scenarios/latency.js';
import { submitAnswerLost } from './scenarios/lostSubmitAnswer.js';
import { partitionLong, partitionShort } from './scenarios/partition.js';
import { runnerKilledMidTask } from './scenarios/runnerKilled.js';
import { runnerPausedThenResumed } from './scenarios/runnerPaused.js';
import { runnerRestartUnderLoad } from './scenarios/runnerRestartUnderLoad.js';
import { runnerUnreachableActiveRun } from './scenarios/runnerUnreachable.js';
import { secondApiSameStore } from './scenarios/secondApi.js';
import { seededMix } from './scenarios/seededMix.js';

export const DRILLS: Drill[] = [
  apiRestartTolerantFlow,
  runnerUnreachableActiveRun,
  runnerKilledMidTask,
  callbacksDuringApiOutage,
  duplicateAndReorderedCallbacks,
  secondApiSameStore,
  runnerPausedThenResumed,
  crashLoop,
  partitionShort,
  partitionLong,
  latencyAndResets,
  seededMix,
  submitAnswerLost,
  runnerRestartUnderLoad,
  crashAfterClaimBeforeSubmit,
  apiSigtermAtJoin,
  apiPausedReportsDue,
  runnerBlackHoled,
  cancelDuringPartition,
  runnerOutOfFds,
  tornWalTail,
  clockJumps,
  fsyncFailStop,
  diskFullStore,
  diskFullRunnerJournal,
  agentOutOfMemory,
];

export function findDrills(ids: readonly string[] | null): { drills: Drill[]; unknown: string[] } {
  if (!ids || ids.length === 0) return { drills: DRILLS, unknown: [] };
  const unknown = ids.filter((id) => !DRILLS.some((d) => d.id === id));
  return { drills: DRILLS.filter((d) => ids.includes(d.id)), unknown };
}
