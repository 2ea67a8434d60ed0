import { describe, expect, it } from 'vitest';
import { ellipsize, LABEL_MAX_CHARS, layoutDag, NODE_H, NODE_W } from '../../src/lib/dag';

describe('layoutDag', () => {
  it('puts each node one layer after its deepest dependency (a diamond and a tail)', () => {
    const l = layoutDag([
      { id: 1, deps: [] },
      { id: 2, deps: [1] },
      { id: 3, deps: [1] },
      { id: 4, deps: [2, 3] },
      { id: 5, deps: [1, 4] },
    ]);
    expect(l.layers).toEqual([[1], [2, 3], [4], [5]]);
    expect(l.cyclic).toEqual([]);
    expect(l.edges.map((e) => `${e.from}->${e.to}`)).toEqual([
      '1->2',
      '1->3',
      '2->4',
      '3->4',
      '1->5',
      '4->5',
    ]);
    // Every edge goes from a node's right side to a later layer's left side.
    const pos = new Map(l.nodes.map((n) => [n.id, n]));
    for (const e of l.edges) {
      expect(pos.get(e.to)!.layer).toBeGreaterThan(pos.get(e.from)!.layer);
      expect(e.x1).toBe(pos.get(e.from)!.x + NODE_W);
      expect(e.x2).toBe(pos.get(e.to)!.x);
      expect(e.y2).toBe(pos.get(e.to)!.y + NODE_H / 2);
    }
    expect(pos.get(3)!.index).toBe(1);
    expect(pos.get(3)!.y).toBeGreaterThan(pos.get(2)!.y);
    expect(l.width).toBeGreaterThan(4 * NODE_W);
    expect(l.height).toBeGreaterThan(2 * NODE_H);
  });

  it('keeps independent roots in the first layer, in input order', () => {
    const l = layoutDag([
      { id: 9, deps: [] },
      { id: 7, deps: [] },
      { id: 8, deps: [7, 9] },
    ]);
    expect(l.layers).toEqual([[9, 7], [8]]);
  });

  it('ignores dependencies outside the graph, duplicates and self-references', () => {
    const l = layoutDag([
      { id: 1, deps: [42, 1] },
      { id: 2, deps: [1, 1] },
    ]);
    expect(l.layers).toEqual([[1], [2]]);
    expect(l.edges).toHaveLength(1);
  });

  it('shows a cycle in a last layer instead of looping or dropping it', () => {
    const l = layoutDag([
      { id: 1, deps: [] },
      { id: 2, deps: [3] },
      { id: 3, deps: [2] },
    ]);
    expect(l.cyclic).toEqual([2, 3]);
    expect(l.layers).toEqual([[1], [2, 3]]);
  });

  it('lays out nothing as an empty drawing', () => {
    const l = layoutDag([]);
    expect(l.layers).toEqual([]);
    expect(l.edges).toEqual([]);
    expect(l.nodes).toEqual([]);
  });
});

describe('ellipsize', () => {
  it('keeps text that fits and cuts longer text to the limit with one "…"', () => {
    expect(ellipsize('plan (task 1)')).toBe('plan (task 1)');
    expect(ellipsize('x'.repeat(LABEL_MAX_CHARS))).toBe('x'.repeat(LABEL_MAX_CHARS));
    const cut = ellipsize('x'.repeat(LABEL_MAX_CHARS + 1));
    expect(cut).toBe(`${'x'.repeat(LABEL_MAX_CHARS - 1)}…`);
    expect(cut).toHaveLength(LABEL_MAX_CHARS);
  });

  it('cuts at the last space when that keeps at least half of the text, else mid-word', () => {
    expect(ellipsize('multyagents.merge (task 12)')).toBe('multyagents.merge…');
    expect(ellipsize('a verylongstepidentifierwithoutspaces')).toBe('a verylongstepidentif…');
    expect(ellipsize('created · awaiting approval')).toBe('created · awaiting…');
    expect(ellipsize('abcdef', 4)).toBe('abc…');
    expect(ellipsize('abcdef', 1)).toBe('…');
    expect(ellipsize('abcdef', 0)).toBe('');
  });
});
