/** A newest-first page of a list: its items, how many match in all, and the next page's cursor. */
export interface Page<T> {
  items: T[];
  total: number;
  /** The `before_id` of the next (older) page; null on the last page. */
  nextBeforeId: number | null;
}

/**
 * `rows` were read with `limit + 1`: the extra row only says an older page exists (no second query),
 * and the cursor is the id of the page's last row.
 */
export function pageOf<R extends { id: number }>(
  rows: R[],
  limit: number,
): { rows: R[]; nextBeforeId: number | null } {
  const page = rows.slice(0, limit);
  return { rows: page, nextBeforeId: rows.length > limit ? page[page.length - 1]!.id : null };
}
