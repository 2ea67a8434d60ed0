/**
 * The pager under a keyset-paged list (runs, tasks): where the page stands ("Runs 51–100 of 10,000 ·
 * page 2 of 200") from the API's `x-total-count` and `x-page-offset`, and the Newest · Newer · Older
 * links (Newer by `x-prev-before-id`, the newest page when the API sent none).
 */

const fmt = (n: number) => n.toLocaleString('en-US');

export interface PagePlace {
  /** 1-based numbers of the page's first and last rows in the whole (filtered) list. */
  from: number;
  to: number;
  page: number;
  pages: number;
}

/**
 * Pages are counted from where this one stands: a page reached by a cursor need not start at a
 * multiple of `limit` (rows were added since), so the pages before it are ceil(offset / limit), the
 * pages after it ceil(rest / limit).
 */
export function pagePlace(total: number, offset: number, shown: number, limit: number): PagePlace {
  const before = Math.ceil(offset / limit);
  const after = Math.ceil(Math.max(0, total - offset - shown) / limit);
  return { from: offset + 1, to: offset + shown, page: before + 1, pages: before + 1 + after };
}

/** The pager's text; without `x-page-offset` (an older API) the count alone, as before. */
export function pagerText(
  noun: [one: string, many: string],
  p: { total: number; offset: number | null; shown: number; limit: number; filtered: boolean },
): string {
  const [one, many] = noun;
  if (p.offset === null || p.shown === 0)
    return `${fmt(p.total)} ${p.total === 1 ? one : many}${p.filtered ? ' match' : ' in all'}`;
  const at = pagePlace(p.total, p.offset, p.shown, p.limit);
  const title = many.charAt(0).toUpperCase() + many.slice(1);
  return (
    `${title} ${fmt(at.from)}–${fmt(at.to)} of ${fmt(p.total)}${p.filtered ? ' matching' : ''}` +
    ` · page ${fmt(at.page)} of ${fmt(at.pages)}`
  );
}

export interface PagerProps {
  label: string;
  testId: string;
  text: string | null;
  /** The cursor this page was asked with (null: the newest page, where Newest and Newer are hidden). */
  beforeId: string | null;
  prevBeforeId: number | null;
  nextBeforeId: number | null;
  /** The hash link of the page asked with `before_id` (null: the newest page). */
  href: (beforeId: string | null) => string;
}

export function Pager({ label, testId, text, beforeId, prevBeforeId, nextBeforeId, href }: PagerProps) {
  return (
    <nav className="pager" aria-label={label}>
      {text !== null && (
        <span className="muted" data-testid={testId}>
          {text}
        </span>
      )}{' '}
      {beforeId && <a href={href(null)}>Newest</a>}{' '}
      {beforeId && <a href={href(prevBeforeId === null ? null : String(prevBeforeId))}>Newer</a>}{' '}
      {nextBeforeId !== null && <a href={href(String(nextBeforeId))}>Older</a>}
    </nav>
  );
}
