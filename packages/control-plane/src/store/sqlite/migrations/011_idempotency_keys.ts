/**
 * Migration 010: `Idempotency-Key` on creates (issue 18 item 9). One row per key, written in the same
 * transaction as the create it names; `response` is the answer replayed to a retry (first the create
 * transaction's result, then the route's final answer). Pruned 24 h after `created_at_ms`.
 */
export const migration011 = `
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  route TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at_ms);
`;
