/**
 * Layered layout of a run's DAG: a node's layer is the length of the longest dependency path to it,
 * so every edge points to a later layer. Pure: the SVG view only draws what this returns.
 */

export interface DagInput {
  id: number;
  deps: number[];
}

export interface DagNodePos {
  id: number;
  layer: number;
  /** Position inside its layer (input order is kept). */
  index: number;
  x: number;
  y: number;
}

export interface DagEdge {
  from: number;
  to: number;
  /** Start (right side of `from`) and end (left side of `to`). */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface DagLayout {
  layers: number[][];
  nodes: DagNodePos[];
  edges: DagEdge[];
  width: number;
  height: number;
  /** Nodes on a dependency cycle (the API refuses those; shown, not hidden, if one ever arrives). */
  cyclic: number[];
}

export const NODE_W = 160;
export const NODE_H = 44;
/** What fits on one line of a node at 12px (NODE_W less the text's left inset). */
export const LABEL_MAX_CHARS = 22;
const GAP_X = 60;
const GAP_Y = 16;
const PAD = 8;

export function layoutDag(input: DagInput[]): DagLayout {
  const ids = new Set(input.map((n) => n.id));
  // Dependencies outside the graph (e.g. a task of another run) are ignored.
  const deps = new Map(
    input.map((n) => [n.id, [...new Set(n.deps)].filter((d) => ids.has(d) && d !== n.id)]),
  );
  const layer = new Map<number, number>();
  // Kahn's order: each round places the nodes whose dependencies are all placed; at most |nodes| rounds.
  let remaining = input.map((n) => n.id);
  for (let round = 0; round < input.length && remaining.length > 0; round++) {
    const ready = remaining.filter((id) => deps.get(id)!.every((d) => layer.has(d)));
    if (ready.length === 0) break;
    for (const id of ready) layer.set(id, Math.max(-1, ...deps.get(id)!.map((d) => layer.get(d)!)) + 1);
    remaining = remaining.filter((id) => !layer.has(id));
  }
  const cyclic = remaining;
  const lastLayer = Math.max(-1, ...layer.values()) + 1;
  for (const id of cyclic) layer.set(id, lastLayer);

  const layers: number[][] = [];
  for (const n of input) (layers[layer.get(n.id)!] ??= []).push(n.id);
  const pos = new Map<number, DagNodePos>();
  layers.forEach((col, l) =>
    col.forEach((id, index) =>
      pos.set(id, { id, layer: l, index, x: PAD + l * (NODE_W + GAP_X), y: PAD + index * (NODE_H + GAP_Y) }),
    ),
  );
  const edges: DagEdge[] = [];
  for (const n of input)
    for (const d of deps.get(n.id)!) {
      const a = pos.get(d)!;
      const b = pos.get(n.id)!;
      edges.push({
        from: d,
        to: n.id,
        x1: a.x + NODE_W,
        y1: a.y + NODE_H / 2,
        x2: b.x,
        y2: b.y + NODE_H / 2,
      });
    }
  const tallest = Math.max(0, ...layers.map((c) => c.length));
  return {
    layers,
    nodes: input.map((n) => pos.get(n.id)!),
    edges,
    width: PAD * 2 + Math.max(0, layers.length * (NODE_W + GAP_X) - GAP_X),
    height: PAD * 2 + Math.max(0, tallest * (NODE_H + GAP_Y) - GAP_Y),
    cyclic,
  };
}

/**
 * `text` cut to at most `max` characters with a trailing "…". The cut falls on the last space of the
 * kept part when that keeps at least half of it ("multyagents.merge (task 12)" → "multyagents.merge…"),
 * so a label does not end in a torn word when it need not.
 */
export function ellipsize(text: string, max = LABEL_MAX_CHARS): string {
  if (max < 1) return '';
  if (text.length <= max) return text;
  const kept = text.slice(0, max - 1);
  const space = kept.lastIndexOf(' ');
  const cut = space >= Math.ceil(kept.length / 2) ? kept.slice(0, space) : kept;
  return `${cut.trimEnd()}…`;
}
