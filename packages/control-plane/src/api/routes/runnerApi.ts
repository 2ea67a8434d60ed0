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

/** Endpoints runners call (X-Runner-Token) and the runner listing. */
export function runnerApiRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/runner/tasks/:id/status',
    summary: 'Runner status report (fenced by attempt)',
    auth: 'runner',
    body: RunnerStatusReport,
    // What an agent wrote (output, handoff, artifacts, messages): redacted here, once, for every use.
    redactBody: true,
    handler: ({ id, body }) => applyRunnerReport(ctx, id, body),
  });
  route({
    method: 'POST',
    path: '/runner/tasks/:id/fence',
    summary:
      'Is this attempt still current? Asked right before a commit, ref move or merge (409 STALE_ATTEMPT if not)',
    auth: 'runner',
    body: RunnerFence,
    handler: ({ id, body }) => fence(ctx, id, body.attempt),
  });
  route({
    method: 'POST',
    path: '/runner/reports',
    summary: 'Several runner status reports at once; per-report outcomes in request order',
    auth: 'runner',
    body: RunnerReportBatch,
    // What an agent wrote (output, handoff, artifacts, messages): redacted here, once, for every use.
    redactBody: true,
    handler: ({ body }) => applyRunnerReports(ctx, body),
  });
  route({
    method: 'POST',
    path: '/runner/tasks/:id/logs',
    summary: 'Runner output chunk',
    auth: 'runner',
    body: RunnerLogChunk,
    // What an agent wrote (output, handoff, artifacts, messages): redacted here, once, for every use.
    redactBody: true,
    handler: ({ id, body }) => appendLogChunk(ctx, id, body),
  });
  route({
    method: 'POST',
    path: '/runners/register',
    summary: 'Register (or re-register) a runner',
    auth: 'runner',
    body: RunnerRegister,
    handler: ({ body }) => runners.registerRunner(ctx, body),
  });
  route({
    method: 'POST',
    path: '/runners/:id/heartbeat',
    summary: 'Runner heartbeat; the answer carries cancels owed to it',
    auth: 'runner',
    body: RunnerHeartbeat,
    handler: ({ id, body }) => runners.heartbeat(ctx, id, body),
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
