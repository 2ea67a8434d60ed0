import type { Param } from '../sql.js';

/**
 * The WHERE of a filtered list: each `[term, value]` with a defined value is ANDed in, then the
 * `fixed` terms (no placeholders). Terms are our own SQL text; only the values come from the request,
 * bound.
 */
export function whereAll(
  terms: ReadonlyArray<readonly [string, Param | undefined]>,
  fixed: readonly string[] = [],
): { where: string; params: Param[] } {
  const used = terms.filter(([, v]) => v !== undefined);
  const all = [...used.map(([t]) => t), ...fixed];
  return {
    where: all.length ? `WHERE ${all.join(' AND ')}` : '',
    params: used.map(([, v]) => v as Param),
  };
}
