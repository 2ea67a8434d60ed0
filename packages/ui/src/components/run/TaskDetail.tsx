import { useState } from 'react';
import { api } from '../../lib/api';
import { useResource } from '../../lib/hooks';
import { ACTIVE_TASK, type TaskAuditView, type TaskDetailView } from '../../lib/types';
import { Status, Triage } from '../common';
import { LogTail } from '../LogTail';
import { AgentSession } from './AgentSession';
import { Attempts } from './Attempts';
import { agentOfAttempt, hasWorktrees, worktreeOfAttempt } from './attemptWorktree';
import { DiffViewer } from './DiffViewer';
import { WorktreeResult } from './WorktreeResult';

/**
 * The selected task of a run: failure, triage, attempts, agent session, files changed, diff, log tail.
 * The agent session, files changed, diff and log tail are those of the attempt picked in the attempts
 * table (default: the current attempt).
 */
export function TaskDetail({ task }: { task: TaskDetailView }) {
  const audit = useResource(
    () => api<TaskAuditView>('GET', `/tasks/${task.id}/audit`),
    [task.id],
    (e) => e.task_id === task.id,
  );
  // The pick belongs to one task: selecting another task shows its current attempt again.
  const [picked, setPicked] = useState<{ task: number; attempt: number } | null>(null);
  const chosen = picked?.task === task.id ? picked.attempt : task.attempt;
  const attempts = audit.data?.attempts ?? null;
  const worktrees = hasWorktrees(task, attempts);
  const wt = worktreeOfAttempt(task, attempts, chosen);
  const agent = agentOfAttempt(task, attempts, chosen);
  // A pick is offered when there is something to pick between: several attempts, or worktree results.
  const picking = worktrees || (attempts?.length ?? 0) > 1;
  return (
    <section className="task-detail" aria-label={`Task ${task.id}`}>
      <h3>
        Task {task.id}: {task.step_id ?? task.title} <Status value={task.status} />
      </h3>
      {task.message && <p className="muted">{task.message}</p>}
      {task.failure_category && (
        <p>
          Failure: <code>{task.failure_category}</code>
          {task.failure_step ? ` at ${task.failure_step}` : ''}
        </p>
      )}
      <Triage hints={task.failure_triage_hints} actions={task.suggested_next_actions} />
      <Attempts
        taskId={task.id}
        audit={audit}
        current={task.attempt}
        shown={picking ? chosen : null}
        onShow={(attempt) => setPicked({ task: task.id, attempt })}
        reported={worktrees ? (n) => worktreeOfAttempt(task, attempts, n) !== null : null}
      />
      {agent && <AgentSession agent={agent} attempt={chosen === task.attempt ? null : chosen} />}
      {wt && <WorktreeResult wt={wt} />}
      {worktrees && !wt && chosen > 0 && (
        <p className="muted note" data-testid="attempt-no-worktree">
          Attempt {chosen} has reported no worktree
          {chosen === task.attempt && ACTIVE_TASK.includes(task.status) ? ' yet' : ''}: no files or diff to
          show.
        </p>
      )}
      {wt && (
        <DiffViewer
          key={`diff-${task.id}-${chosen}`}
          taskId={task.id}
          attempt={chosen === task.attempt ? undefined : chosen}
        />
      )}
      <LogTail key={`log-${task.id}-${chosen}`} taskId={task.id} attempt={chosen} />
    </section>
  );
}
