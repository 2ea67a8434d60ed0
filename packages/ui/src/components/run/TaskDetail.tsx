import type { TaskDetailView } from '../../lib/types';
import { Status, Triage } from '../common';
import { LogTail } from '../LogTail';
import { AgentSession } from './AgentSession';
import { Attempts } from './Attempts';
import { DiffViewer } from './DiffViewer';
import { WorktreeResult } from './WorktreeResult';

/** The selected task of a run: failure, triage, attempts, agent session, files changed, diff, log tail. */
export function TaskDetail({ task }: { task: TaskDetailView }) {
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
      <Attempts taskId={task.id} />
      {task.agent && <AgentSession agent={task.agent} />}
      {task.worktree && <WorktreeResult wt={task.worktree} />}
      {task.worktree && <DiffViewer key={`${task.id}-${task.worktree.attempt}`} taskId={task.id} />}
      <LogTail key={`${task.id}-${task.attempt}`} taskId={task.id} attempt={task.attempt} />
    </section>
  );
}
