import {
  LocksReleaseBody,
  OperatorActionBody,
  StuckTasksQuery,
  TaskCreate,
  TaskDiffQuery,
  TaskListQuery,
  TaskLogsQuery,
} from '@multyagents/contracts';
import type { Router } from '../route.js';
import { sendPage } from '../page.js';
import type { ServiceContext } from '../../services/context.js';
import * as svc from '../../services/tasks.js';
import { taskLogs } from '../../services/logs.js';
import { createTask } from '../../services/worktrees.js';
import { stuckTasks } from '../../services/stuck.js';
import { taskDiff } from '../../services/diff.js';

export function taskRoutes(route: Router, ctx: ServiceContext): void {
  route({
    method: 'POST',
    path: '/tasks',
    idempotent: true,
    summary: 'Create a standalone task (isolated-worktree: its base is resolved from the project repository)',
    body: TaskCreate,
    redactBody: true,
    handler: ({ body }) => createTask(ctx, body),
  });
  route({
    method: 'GET',
    path: '/tasks',
    summary: 'List tasks (by run)',
    query: TaskListQuery,
    handler: async ({ query, reply }) => sendPage(reply, await svc.listTasks(ctx, query)),
  });
  route({
    method: 'GET',
    path: '/tasks/stuck',
    summary:
      'Tasks waiting longer than older_than_s for something that should happen by itself, oldest first',
    query: StuckTasksQuery,
    handler: ({ query }) => stuckTasks(ctx, query),
  });
  route({
    method: 'GET',
    path: '/tasks/:id/diff',
    summary: "The changes of a task's worktree attempt (git diff start..head; the merge task: old..new)",
    query: TaskDiffQuery,
    handler: ({ id, query }) => taskDiff(ctx, id, query.attempt),
  });
  route({
    method: 'GET',
    path: '/tasks/:id',
    summary: 'Get a task with triage',
    handler: ({ id }) => svc.getTask(ctx, id),
  });
  route({
    method: 'POST',
    path: '/tasks/:id/dispatch',
    summary: 'Dispatch a task now (manual step-through)',
    handler: ({ id }) => svc.dispatchTask(ctx, id),
  });
  route({
    method: 'POST',
    path: '/tasks/:id/cancel',
    summary: 'Cancel a task (at once; the runner is told when reachable)',
    body: OperatorActionBody,
    redactBody: true,
    handler: ({ id, body }) =>
      svc.cancelTask(ctx, id, body.reason ? `canceled by operator: ${body.reason}` : undefined),
  });
  route({
    method: 'POST',
    path: '/tasks/:id/locks/release',
    summary: 'Release the lock paths of a task (all of them; `paths`, if given, must name exactly those)',
    body: LocksReleaseBody,
    handler: ({ id, body }) => svc.releaseLocks(ctx, id, body.paths),
  });
  route({
    method: 'GET',
    path: '/tasks/:id/approval',
    summary: 'The approval gate of a task',
    handler: ({ id }) => svc.taskApproval(ctx, id),
  });
  route({
    method: 'GET',
    path: '/tasks/:id/audit',
    summary: 'Attempts, events and the assembled prompt',
    handler: ({ id }) => svc.taskAudit(ctx, id),
  });
  route({
    method: 'GET',
    path: '/tasks/:id/handoff',
    summary: 'The latest handoff of a task',
    handler: ({ id }) => svc.taskHandoff(ctx, id),
  });
  route({
    method: 'GET',
    path: '/tasks/:id/logs',
    summary: 'Output chunks (tail, after_seq, follow)',
    query: TaskLogsQuery,
    handler: ({ id, query }) => taskLogs(ctx, id, query),
  });
}
