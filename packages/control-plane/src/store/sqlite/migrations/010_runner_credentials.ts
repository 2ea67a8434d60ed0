/**
 * Migration 010: each runner has its own credential (issue 18, item 4).
 *
 * Why: all runners shared one token, so anyone holding it could re-register under another runner's
 * name and take over its URL. Registration now issues a per-runner secret; only its sha256 is kept.
 * NULL: no credential yet (a runner registered before this migration, or one an operator reset):
 * the next registration under that name claims it and gets a fresh one.
 */
export const migration010 = `
ALTER TABLE runners ADD COLUMN credential_hash TEXT;
ALTER TABLE runners ADD COLUMN credential_issued_at TEXT;
`;
