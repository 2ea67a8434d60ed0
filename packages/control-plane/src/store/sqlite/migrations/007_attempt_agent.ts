/**
 * Migration 007: what a coding agent (codex, claude) said about an attempt.
 *
 * Why on the attempt, not the task: every attempt is its own agent session with its own tokens and
 * cost (a retried task spent on each try), and a retry may resume the session of the attempt before.
 * `session_id` is a column of its own so that it can be looked up; `agent` is the runner's summary as
 * JSON (contracts AgentSummary), written once with the terminal report.
 */
export const migration007 = `
ALTER TABLE attempts ADD COLUMN session_id TEXT;
ALTER TABLE attempts ADD COLUMN agent TEXT;
`;
