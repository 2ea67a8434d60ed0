import { WorktreeSetup, type Project } from '@multyagents/contracts';
import type { Sql } from '../sql.js';
import { json, parseJson } from '../sql.js';

interface ProjectRow {
  id: number;
  name: string;
  root_path: string;
  allowed_paths: string;
  default_branch: string | null;
  worktree_setup: string | null;
}

/** A stored setup that no longer parses (edited by hand) reads as the defaults, all off. */
function setupOf(text: string | null): WorktreeSetup {
  const parsed = WorktreeSetup.safeParse(parseJson<unknown>(text, {}));
  return parsed.success ? parsed.data : WorktreeSetup.parse({});
}

function toProject(r: ProjectRow): Project {
  return {
    id: r.id,
    name: r.name,
    root_path: r.root_path,
    allowed_paths: parseJson<string[]>(r.allowed_paths, []),
    default_branch: r.default_branch,
    worktree_setup: setupOf(r.worktree_setup),
  };
}

export async function insertProject(sql: Sql, p: Omit<Project, 'id'>, nowIso: string): Promise<Project> {
  const r = await sql.run(
    `INSERT INTO projects (name, root_path, allowed_paths, default_branch, worktree_setup, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [p.name, p.root_path, json(p.allowed_paths), p.default_branch, json(p.worktree_setup), nowIso, nowIso],
  );
  return { id: r.lastId, ...p };
}

export async function getProject(sql: Sql, id: number): Promise<Project | undefined> {
  const r = await sql.get<ProjectRow>('SELECT * FROM projects WHERE id = ?', [id]);
  return r && toProject(r);
}

export async function getProjectByName(sql: Sql, name: string): Promise<Project | undefined> {
  const r = await sql.get<ProjectRow>('SELECT * FROM projects WHERE name = ?', [name]);
  return r && toProject(r);
}

export async function listProjects(sql: Sql): Promise<Project[]> {
  return (await sql.all<ProjectRow>('SELECT * FROM projects ORDER BY id')).map(toProject);
}

export async function updateProject(sql: Sql, p: Project, nowIso: string): Promise<void> {
  await sql.run(
    `UPDATE projects SET name = ?, root_path = ?, allowed_paths = ?, default_branch = ?, worktree_setup = ?,
       updated_at = ?, revision = revision + 1 WHERE id = ?`,
    [p.name, p.root_path, json(p.allowed_paths), p.default_branch, json(p.worktree_setup), nowIso, p.id],
  );
}

export async function deleteProject(sql: Sql, id: number): Promise<void> {
  await sql.run('DELETE FROM projects WHERE id = ?', [id]);
}

/** Whether any template, run or task still refers to the project. */
export async function projectInUse(sql: Sql, id: number): Promise<boolean> {
  const r = await sql.get<{ n: number }>(
    `SELECT (SELECT COUNT(*) FROM workflow_templates WHERE project_id = ?)
          + (SELECT COUNT(*) FROM tasks WHERE project_id = ?) AS n`,
    [id, id],
  );
  return (r?.n ?? 0) > 0;
}
