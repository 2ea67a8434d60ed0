import { z } from 'zod';
import {
  RunnerHeartbeat,
  RunnerLogChunk,
  RunnerRegister,
  RunnerReportBatch,
  RunnerStatusReport,
} from '@multyagents/contracts';
import type { Router } from '../route.js';
import type { ServiceContext } from '../../services/context.js';
import { appendLogChunk, applyRunnerReport, applyRunnerReports } from '../../services/callbacks.js';
import * as runners from '../../services/runners.js';
import { fence } from '../../services/worktrees.js';

/** `POST /runner/tasks/{id}/fence`. */
const RunnerFence = z.object({ attempt: z.number().int().positive() });

/** Endpoints runners call (their own credential; see api/runnerAuth.ts) and the runner listing. */
export function runnerApiRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/runner/tasks/:id/status',
    summary: 'Runner status report (fenced by attempt; tied to the runner holding it)',
    // v1 runners know only the shared token: accepted here, the report speaks for the attempt's runner.
    auth: 'runner-or-shared',
    body: RunnerStatusReport,
    // What an agent wrote (output, handoff, artifacts, messages): redacted here, once, for every use.
    redactBody: true,
    handler: ({ id, body, runner }) => applyRunnerReport(ctx, id, body, runner),
  });
  route({
    method: 'POST',
    path: '/runner/tasks/:id/fence',
    summary:
      'Is this attempt still current? Asked right before a commit, ref move or merge (409 STALE_ATTEMPT if not)',
    auth: 'runner',
    body: RunnerFence,
    handler: ({ id, body, runner }) => fence(ctx, id, body.attempt, runner),
  });
  route({
    method: 'POST',
    path: '/runner/reports',
    summary: 'Several runner status reports at once; per-report outcomes in request order',
    auth: 'runner',
    body: RunnerReportBatch,
    // What an agent wrote (output, handoff, artifacts, messages): redacted here, once, for every use.
    redactBody: true,
    handler: ({ body, runner }) => applyRunnerReports(ctx, body, runner),
  });
  route({
    method: 'POST',
    path: '/runner/tasks/:id/logs',
    summary: 'Runner output chunk',
    auth: 'runner',
    body: RunnerLogChunk,
    // What an agent wrote (output, handoff, artifacts, messages): redacted here, once, for every use.
    redactBody: true,
    handler: ({ id, body, runner }) => appendLogChunk(ctx, id, body, runner),
  });
  route({
    method: 'POST',
    path: '/runners/register',
    summary:
      'Register a runner (shared bootstrap token; the answer carries its own credential once) or register it again (its own credential)',
    auth: 'runner-bootstrap',
    body: RunnerRegister,
    handler: ({ body, runner }) => runners.registerRunner(ctx, body, runner),
  });
  route({
    method: 'POST',
    path: '/runners/:id/heartbeat',
    summary: 'Runner heartbeat; the answer carries cancels owed to it',
    auth: 'runner',
    body: RunnerHeartbeat,
    handler: ({ id, body, runner }) => runners.heartbeat(ctx, id, body, runner),
  });
  route({
    method: 'POST',
    path: '/runners/:id/reset-credential',
    summary:
      "Operator: revoke a runner's credential; its next registration under that name gets a new one (a runner that lost its data dir)",
    handler: ({ id }) => runners.resetRunnerCredential(ctx, id),
  });
  route({
    method: 'GET',
    path: '/runners',
    summary: 'Runners with liveness',
    handler: () => runners.listRunnerViews(ctx),
  });
  route({
    method: 'GET',
    path: '/runners/:id',
    summary: 'One runner',
    handler: ({ id }) => runners.getRunnerView(ctx, id),
  });
}
