/** The first version's audit counters of reruns, from the task's `task.partial_rerun_reset` events. */
export function rerunAudit(events: ReadonlyArray<{ event_type: string; payload: Record<string, unknown> }>) {
  const resets = events.filter((e) => e.event_type === 'task.partial_rerun_reset');
  const last = resets[resets.length - 1]?.payload;
  return {
    rerun_count: resets.length,
    last_rerun_by: (last?.requested_by as string | undefined) ?? null,
    last_rerun_reason: (last?.reason as string | undefined) ?? null,
    last_rerun_at: (last?.rerun_at as string | undefined) ?? null,
  };
}
