import { layoutDag, NODE_H, NODE_W } from '../lib/dag';
import type { TaskView } from '../lib/types';

/** The run's DAG as a layered SVG; a click (or Enter) on a step selects it. */
export function DagView({
  tasks,
  selected,
  onSelect,
}: {
  tasks: TaskView[];
  selected: number | null;
  onSelect: (id: number) => void;
}) {
  const layout = layoutDag(tasks.map((t) => ({ id: t.id, deps: t.depends_on })));
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return (
    <svg
      className="dag"
      width={layout.width}
      height={layout.height}
      role="group"
      aria-label="Run DAG"
      data-testid="dag"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="6"
          markerHeight="6"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#888" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <path
          key={`${e.from}-${e.to}`}
          className="dag-edge"
          data-edge={`${e.from}->${e.to}`}
          d={`M${e.x1},${e.y1} C${e.x1 + 30},${e.y1} ${e.x2 - 30},${e.y2} ${e.x2},${e.y2}`}
          fill="none"
          stroke="#888"
          markerEnd="url(#arrow)"
        />
      ))}
      {layout.nodes.map((n) => {
        const t = byId.get(n.id)!;
        const label = `${t.step_id ?? t.title} (task ${t.id}): ${t.status}`;
        return (
          <g
            key={n.id}
            transform={`translate(${n.x},${n.y})`}
            className={`dag-node status-${t.status}${selected === n.id ? ' selected' : ''}`}
            role="button"
            tabIndex={0}
            aria-label={label}
            aria-pressed={selected === n.id}
            data-task={n.id}
            onClick={() => onSelect(n.id)}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                onSelect(n.id);
              }
            }}
          >
            <rect width={NODE_W} height={NODE_H} rx={6} />
            <text x={8} y={18}>
              {(t.step_id ?? t.title).slice(0, 20)}
            </text>
            <text x={8} y={35} className="dag-status">
              {t.status}
              {t.approval_status === 'pending' ? ' · awaiting approval' : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
