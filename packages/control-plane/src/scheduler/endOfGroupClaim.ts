/**
 * The end-of-group claim — the one place that explains it.
 *
 * The store commits write transactions in groups (one fsync for many callers, store/sqlite/store.ts).
 * In auto dispatch mode the scheduler installs this hook on the store (`Store.setBatchHook`). After
 * the group's own transactions ran and before its shared COMMIT, the store runs the hook in a
 * savepoint of the same transaction; the hook claims every task the group made ready (a report that
 * unblocks a step, a run just created). So the change and the claim it enables cost one durable
 * commit, and the submit leaves as soon as that commit is on disk — no second transaction, no turn of
 * the scheduler loop in between (bench B2/B8: ready → submit in well under a millisecond).
 *
 * The direction stays one way: the store knows only the `BatchHook` interface (store/sql.ts); the
 * hook calls the same claim pass as the loop (dispatchPass.ts `claimReadyIn`), which reads readiness
 * through services; after the commit it hands the claims to `submitClaimed`, outside any transaction.
 *
 * Guarantees:
 * - `wanted()` is cheap: only a kick since the last claim pass asks for one (`claimWanted`).
 * - A failure of the hook rolls back its savepoint alone; the group's own transactions still commit.
 *   Nothing was submitted, so the loop's next pass claims what is still ready; a claim whose commit
 *   did happen but whose submit never left is re-sent by the stuck-dispatch sweep (sweeper.ts).
 * - Claims made here are `fresh`: no other transaction ran between their claim and their commit, so
 *   the submit path need not re-read them to check they are still current (services/dispatch.ts).
 */
import type { ServiceContext } from '../services/context.js';
import type { BatchHook, Sql } from '../store/sql.js';
import { submitClaimed, type PassResult } from './dispatchPass.js';

export interface ClaimState {
  /** A change may have made work ready, and no claim pass has run since. */
  claimWanted: boolean;
  readonly running: boolean;
  readonly inflight: Set<number>;
  claimIn(sql: Sql): Promise<PassResult>;
}

export function endOfGroupClaim(ctx: ServiceContext, s: ClaimState): BatchHook<PassResult> {
  return {
    wanted: () => s.claimWanted && s.running,
    run: (sql) => s.claimIn(sql),
    committed: (pass) => {
      if (pass.claimed.length === 0) return;
      const fresh = pass.claimed.map((c) => ({ ...c, fresh: true }));
      void submitClaimed(ctx, fresh, s.inflight);
    },
    failed: (err) => {
      s.claimWanted = true;
      ctx.logger.error({ err }, 'end-of-group claim failed; the scheduler loop retries');
    },
  };
}
