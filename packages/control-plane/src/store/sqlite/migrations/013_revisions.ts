/**
 * Migration 013: a `revision` per catalogue row (projects, roles, skill packs, workflow templates), the
 * version behind their `ETag` and `If-Match` (docs/architecture.md "Edits and conflicts").
 *
 * Why an integer and not `updated_at`: `updated_at` is an ISO time at millisecond resolution from the
 * injected clock, so two edits in the same millisecond (or under a frozen test clock, or after the
 * wall clock steps back) would carry the same version and the second would pass a check meant for the
 * first. Every update adds one (store/ops/*.ts); existing rows start at 1.
 */
export const migration013 = `
ALTER TABLE projects ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE roles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE skill_packs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE workflow_templates ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
`;
