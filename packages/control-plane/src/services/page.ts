/** A newest-first page of a list: its items, how many match in all, and the next page's cursor. */
export interface Page<T> {
  items: T[];
  total: number;
  /** The `before_id` of the next (older) page; null on the last page. */
  nextBeforeId: number | null;
  /** Where a keyset page stands; null for an answer that is not one (v1's tasks of a run). */
  position: PagePosition | null;
}

/** A keyset page's place in its list (`x-page-offset`, `x-prev-before-id`). */
export interface PagePosition {
  /** How many matching rows are newer than the page (0 on the newest page). */
  offset: number;
  /** The `before_id` of the newer page; null when that page is the newest (asked without one). */
  prevBeforeId: number | null;
}

/** The newest page (no `before_id`): nothing newer, so no query. */
export const NEWEST_PAGE: PagePosition = { offset: 0, prevBeforeId: null };

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
