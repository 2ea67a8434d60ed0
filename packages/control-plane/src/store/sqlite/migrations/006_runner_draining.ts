/**
 * Migration 006: a runner that is shutting down says so (`draining`).
 *
 * Why: a draining runner is alive — its running attempts still report, its heartbeats still come —
 * but it takes no new work. Placement gives it no free slot until it registers again, so that a
 * `multyagents restart runner` under load sends nothing to a runner that would refuse it or be gone.
 */
export const migration006 = `
ALTER TABLE runners ADD COLUMN draining INTEGER NOT NULL DEFAULT 0;
`;
