import { useMemo, useState } from 'react';
import { api } from '../lib/api';
import { useResource } from '../lib/hooks';
import type { RunUsageView, TaskDetailView } from '../lib/types';
import { DagView } from '../components/DagView';
import { duration, ErrorBox, Loading, Status, Triage } from '../components/common';
import { HandoffsAndArtifacts } from '../components/run/Handoffs';
import { RunControls } from '../components/run/RunControls';
import { RunUsage } from '../components/run/RunUsage';
import { TaskDetail } from '../components/run/TaskDetail';

const UNSUCCESSFUL = ['failed', 'canceled', 'submit-failed'];

export function RunPage({ id }: { id: number }) {
  const sameRun = (e: { run_id: number | null }) => e.run_id === id;
  const run = useResource(() => api<RunUsageView>('GET', `/workflow-runs/${id}`), [id], sameRun);
  const tasks = useResource(
    () => api<TaskDetailView[]>('GET', `/tasks?run_id=${id}&limit=10000`),
    [id],
    sameRun,
  );
  const [picked, setPicked] = useState<number | null>(null);
  const list = tasks.data ?? [];
  const failedTasks = list.filter((t) => UNSUCCESSFUL.includes(t.status));
  const selected = list.find((t) => t.id === picked) ?? failedTasks[0] ?? list[0] ?? null;
  const stepNames = useMemo(() => new Map(list.map((t) => [t.id, t.step_id ?? t.title])), [list]);

  return (
    <div>
      <h2>
        Run {id} {run.data && <Status value={run.data.status} />}
      </h2>
      <ErrorBox error={run.error} />
      <Loading when={run.loading} />
      {run.data && (
        <p className="muted">
          template {run.data.workflow_template_id ?? '—'} · {run.data.task_ids.length} tasks · duration{' '}
          {duration(run.data.started_at, run.data.finished_at)} · success rate {run.data.success_rate}%
        </p>
      )}
      {run.data?.usage && <RunUsage usage={run.data.usage} />}
      {run.data && <Triage hints={run.data.failure_triage_hints} actions={run.data.suggested_next_actions} />}
      {run.data && <RunControls run={run.data} unsuccessful={failedTasks} />}
      <ErrorBox error={tasks.error} />
      {list.length > 0 && (
        <>
          <h3>Steps</h3>
          <div className="dag-wrap">
            <DagView
              label="Run DAG"
              nodes={list.map((t) => ({
                id: t.id,
                deps: t.depends_on,
                label: `${t.step_id ?? t.title} (task ${t.id})`,
                status: t.status,
                note: t.approval_status === 'pending' ? 'awaiting approval' : undefined,
              }))}
              selected={selected?.id ?? null}
              onSelect={setPicked}
            />
          </div>
          <table aria-label="Tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Step</th>
                <th>Status</th>
                <th>Attempt</th>
                <th>Runner</th>
                <th>Duration</th>
                <th>Approval</th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id} data-task={t.id} className={selected?.id === t.id ? 'selected' : ''}>
                  <td>
                    <button type="button" className="link" onClick={() => setPicked(t.id)}>
                      Task {t.id}
                    </button>
                  </td>
                  <td>{t.step_id ?? t.title}</td>
                  <td>
                    <Status value={t.status} />
                  </td>
                  <td>{t.attempt}</td>
                  <td>{t.runner_id ?? '—'}</td>
                  <td>{duration(t.started_at, t.finished_at)}</td>
                  <td>{t.approval_status ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {selected && <TaskDetail task={selected} />}
      <HandoffsAndArtifacts runId={id} stepNames={stepNames} />
    </div>
  );
}
