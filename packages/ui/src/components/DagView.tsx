import { ellipsize, layoutDag, NODE_H, NODE_W } from '../lib/dag';

export interface DagNode {
  id: number;
  deps: number[];
  /** First line (the step id). */
  label: string;
  /** Second line and the colour class (a status, or what the step needs). */
  status: string;
  note?: string;
}

/** A DAG as a layered SVG; a click (or Enter / Space) on a step selects it when `onSelect` is given. */
export function DagView({
  nodes,
  selected = null,
  onSelect,
  label = 'DAG',
}: {
  nodes: DagNode[];
  selected?: number | null;
  onSelect?: (id: number) => void;
  label?: string;
}) {
  const layout = layoutDag(nodes);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <svg className="dag" width={layout.width} height={layout.height} role="group" aria-label={label}>
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
      {layout.nodes.map((p) => {
        const n = byId.get(p.id)!;
        const interactive = onSelect !== undefined;
        const second = `${n.status}${n.note ? ` · ${n.note}` : ''}`;
        // The full text: the accessible name and, as the SVG <title>, the tooltip of a cut label.
        const full = `${n.label}: ${second}`;
        return (
          <g
            key={p.id}
            transform={`translate(${p.x},${p.y})`}
            className={`dag-node status-${n.status}${selected === p.id ? ' selected' : ''}`}
            role={interactive ? 'button' : 'img'}
            tabIndex={interactive ? 0 : undefined}
            aria-label={full}
            aria-pressed={interactive ? selected === p.id : undefined}
            data-node={p.id}
            onClick={interactive ? () => onSelect(p.id) : undefined}
            onKeyDown={
              interactive
                ? (ev) => {
                    if (ev.key === 'Enter' || ev.key === ' ') {
                      ev.preventDefault();
                      onSelect(p.id);
                    }
                  }
                : undefined
            }
          >
            <title>{full}</title>
            <rect width={NODE_W} height={NODE_H} rx={6} />
            <text x={8} y={18} className="dag-label">
              {ellipsize(n.label)}
            </text>
            <text x={8} y={35} className="dag-status">
              {ellipsize(second)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
