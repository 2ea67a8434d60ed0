import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { ApprovalView, TaskView } from '../lib/types';
import { Empty, ErrorBox, Loading, Status } from '../components/common';

const ACTOR_KEY = 'multyagents.actor';

interface Row {
  task: TaskView;
  approval: ApprovalView;
}

/**
 * The API has no approvals list: gated tasks carry `approval_id` and `approval_status`, so the inbox
 * reads the tasks (a task waiting for its approval is `created`; decided ones among the newest 500)
 * and then each approval, for who decided and the comment.
 */
async function loadApprovals(): Promise<Row[]> {
  const [waiting, newest] = await Promise.all([
    api<TaskView[]>('GET', '/tasks?status=created&limit=10000'),
    api<TaskView[]>('GET', '/tasks?limit=500'),
  ]);
  const pending = waiting.filter((t) => t.approval_status === 'pending');
  const decided = newest
    .filter((t) => t.approval_id !== null && t.approval_status !== 'pending')
    .sort((a, b) => b.id - a.id)
    .slice(0, 50);
  return Promise.all(
    [...pending, ...decided].map(async (task) => ({
      task,
      approval: await api<ApprovalView>('GET', `/approvals/${task.approval_id}`),
    })),
  );
}

export function Approvals() {
  const rows = useResource(loadApprovals, [], isType('approval.', 'task.created'));
  const [actor, setActor] = useState(() => sessionStorage.getItem(ACTOR_KEY) ?? 'operator');
  const list = rows.data ?? [];
  const pending = list.filter((r) => r.approval.status === 'pending');
  const decided = list.filter((r) => r.approval.status !== 'pending');
  return (
    <div>
      <h2>Approvals</h2>
      <label>
        Decide as{' '}
        <input
          name="actor"
          value={actor}
          onChange={(e) => {
            setActor(e.target.value);
            sessionStorage.setItem(ACTOR_KEY, e.target.value);
          }}
        />
      </label>
      <ErrorBox error={rows.error} />
      <Loading when={rows.loading} />
      <h3>Waiting ({pending.length})</h3>
      <Empty when={!rows.loading && pending.length === 0}>Nothing waiting for approval.</Empty>
      <ul className="inbox">
        {pending.map((r) => (
          <PendingItem key={r.approval.id} row={r} actor={actor} />
        ))}
      </ul>
      <h3>Decided</h3>
      <Empty when={!rows.loading && decided.length === 0}>No decisions yet.</Empty>
      {decided.length > 0 && (
        <table aria-label="Decided approvals">
          <thead>
            <tr>
              <th>Approval</th>
              <th>Task</th>
              <th>Decision</th>
              <th>By</th>
              <th>Comment</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {decided.map(({ task, approval }) => (
              <tr key={approval.id} data-approval={approval.id}>
                <td>{approval.id}</td>
                <td>
                  <a href={`#/runs/${task.run_id}`}>
                    Task {task.id} ({task.step_id ?? task.title})
                  </a>
                </td>
                <td>
                  <Status value={approval.status} />
                </td>
                <td data-testid="decided-by">{approval.decided_by ?? '—'}</td>
                <td>{approval.comment ?? ''}</td>
                <td>{approval.decided_at ? new Date(approval.decided_at).toLocaleString() : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function PendingItem({ row, actor }: { row: Row; actor: string }) {
  const { task, approval } = row;
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const decide = async (verb: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/approvals/${approval.id}/${verb}`, {
        ...(actor.trim() ? { actor: actor.trim() } : {}),
        ...(comment ? { comment } : {}),
      });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li data-approval={approval.id}>
      <strong>
        Task {task.id} ({task.step_id ?? task.title})
      </strong>{' '}
      of <a href={`#/runs/${task.run_id}`}>run {task.run_id}</a> · task <Status value={task.status} />
      <div>
        <label>
          Comment for approval {approval.id}{' '}
          <input
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            name={`comment-${approval.id}`}
          />
        </label>{' '}
        <button type="button" disabled={busy} onClick={() => void decide('approve')}>
          Approve
        </button>{' '}
        <button type="button" disabled={busy} onClick={() => void decide('reject')}>
          Reject
        </button>
      </div>
      <ErrorBox error={error} />
    </li>
  );
}
