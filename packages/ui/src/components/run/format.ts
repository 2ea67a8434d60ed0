/** Number formats of the run page, fixed (not the browser's locale) so that tests and screenshots agree. */
export function tokens(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return `$${n.toFixed(n !== 0 && n < 0.01 ? 4 : 2)}`;
}

export const shortSha = (sha: string | null | undefined) => (sha ? sha.slice(0, 10) : '—');
