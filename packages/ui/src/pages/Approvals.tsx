import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { isType, useResource } from '../lib/hooks';
import type { ApprovalView } from '../lib/types';
import { Empty, ErrorBox, Loading, Status } from '../components/common';

const ACTOR_KEY = 'multyagents.actor';

/** What the inbox shows of the gated task (from the approval list's task fields). */
interface InboxTask {
  id: number;
  run_id: number | null;
  step_id: string | null;
  title: string;
  status: string;
}

interface Row {
  task: InboxTask;
  approval: ApprovalView;
}

/** `GET /approvals` answers each approval with its task's run, step, title and status. */
interface ApprovalListItem extends ApprovalView {
  run_id: number | null;
  step_id: string | null;
  task_title: string;
  task_status: string;
}

/** Decided approvals shown under the waiting ones (the newest). */
const DECIDED_SHOWN = 50;

const row = (a: ApprovalListItem): Row => ({
  approval: a,
  task: { id: a.task_id, run_id: a.run_id, step_id: a.step_id, title: a.task_title, status: a.task_status },
});

/** Two reads of `GET /approvals`: every waiting one, and the newest decided ones. */
async function loadApprovals(): Promise<Row[]> {
  const [pending, newest] = await Promise.all([
    api<ApprovalListItem[]>('GET', '/approvals?status=pending&limit=10000'),
    api<ApprovalListItem[]>('GET', `/approvals?limit=${DECIDED_SHOWN * 4}`),
  ]);
  const decided = newest.filter((a) => a.status !== 'pending').slice(0, DECIDED_SHOWN);
  return [...pending, ...decided].map(row);
}

export function Approvals() {
  const rows = useResource(loadApprovals, [], isType('approval.'));
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
