import { WorktreeSetup, type Project, type ProjectCreate } from '@multyagents/contracts';
import { etagOf, type IfMatch } from '../domain/etag.js';
import { AppError } from '../lib/errors.js';
import * as ops from '../store/ops/projects.js';
import { insertEvent } from '../store/ops/events.js';
import { nowIso, type ServiceContext } from './context.js';
import { checkIfMatch, createVersioned, withRevision, type Versioned } from './editGuard.js';
import { assertAbsolute, assertInsideRoot } from './paths.js';
import { assertInsideBase, assertRealFilesystem, makeDirBounded } from './projectDirs.js';

/** `stored`: on an update, the worktree fields a first-version client leaves out keep their values. */
function normalize(body: ProjectCreate, bases: readonly string[], stored?: Project): Omit<Project, 'id'> {
  const root = assertAbsolute(body.root_path, 'root_path');
  assertRealFilesystem(root, 'root_path');
  assertInsideBase(root, bases, 'root_path');
  const allowed = body.allowed_paths.map((p, i) => {
    const field = `allowed_paths[${i}]`;
    const abs = assertInsideRoot(p, root, field);
    assertInsideBase(abs, bases, field);
    return abs;
  });
  return {
    name: body.name,
    root_path: root,
    allowed_paths: [...new Set(allowed)],
    default_branch:
      body.default_branch === undefined ? (stored?.default_branch ?? null) : body.default_branch,
    worktree_setup: body.worktree_setup ?? stored?.worktree_setup ?? WorktreeSetup.parse({}),
  };
}

function makeDirs(p: Omit<Project, 'id'>): void {
  makeDirBounded(p.root_path, 'root_path');
  p.allowed_paths.forEach((dir, i) => makeDirBounded(dir, `allowed_paths[${i}]`));
}

/** Validated before any directory is made: a refused create or update leaves nothing on disk. */
async function assertNameFree(ctx: ServiceContext, name: string, self: number | null): Promise<void> {
  const other = await ctx.store.read((sql) => ops.getProjectByName(sql, name));
  if (other && other.id !== self)
    throw new AppError('NAME_CONFLICT', `project '${name}' exists`, { field: 'name' });
}

export async function createProject(ctx: ServiceContext, body: ProjectCreate): Promise<Project> {
  return (await createProjectVersioned(ctx, body)).value;
}

/** The created item with its `ETag` (revision 1). */
export async function createProjectVersioned(
  ctx: ServiceContext,
  body: ProjectCreate,
): Promise<Versioned<Project>> {
  const p = normalize(body, ctx.config.projectRoots);
  await assertNameFree(ctx, p.name, null);
  makeDirs(p);
  return createVersioned(ctx.store, 'projects', async (sql) => {
    if (await ops.getProjectByName(sql, p.name))
      throw new AppError('NAME_CONFLICT', `project '${p.name}' exists`, { field: 'name' });
    const created = await ops.insertProject(sql, p, nowIso(ctx));
    await insertEvent(
      sql,
      { event_type: 'project.created', payload: { project_id: created.id, name: p.name } },
      nowIso(ctx),
    );
    return created;
  });
}

export async function getProject(ctx: ServiceContext, id: number): Promise<Project> {
  return (await getProjectVersioned(ctx, id)).value;
}

export async function getProjectVersioned(ctx: ServiceContext, id: number): Promise<Versioned<Project>> {
  const p = await ctx.store.read((sql) => withRevision(sql, 'projects', id, () => ops.getProject(sql, id)));
  if (!p) throw new AppError('PROJECT_NOT_FOUND', `project ${id} not found`);
  return p;
}

export function listProjects(ctx: ServiceContext): Promise<Project[]> {
  return ctx.store.read((sql) => ops.listProjects(sql));
}

/** `ifMatch` (null: none, last writer wins): checked again inside the write transaction. */
export async function updateProject(
  ctx: ServiceContext,
  id: number,
  body: ProjectCreate,
  ifMatch: IfMatch | null = null,
): Promise<Versioned<Project>> {
  const checked = normalize(body, ctx.config.projectRoots);
  // A stale edit is refused before any directory is made; the check that counts is the one in the tx.
  const found = await ctx.store.read((sql) => checkIfMatch(sql, 'projects', id, ifMatch, `project ${id}`));
  if (found === undefined) throw new AppError('PROJECT_NOT_FOUND', `project ${id} not found`);
  await assertNameFree(ctx, checked.name, id);
  makeDirs(checked);
  return ctx.store.tx(async (sql) => {
    const revision = await checkIfMatch(sql, 'projects', id, ifMatch, `project ${id}`);
    const stored = await ops.getProject(sql, id);
    if (!stored || revision === undefined) throw new AppError('PROJECT_NOT_FOUND', `project ${id} not found`);
    const p = normalize(body, ctx.config.projectRoots, stored);
    const other = await ops.getProjectByName(sql, p.name);
    if (other && other.id !== id)
      throw new AppError('NAME_CONFLICT', `project '${p.name}' exists`, { field: 'name' });
    const updated = { id, ...p };
    await ops.updateProject(sql, updated, nowIso(ctx));
    await insertEvent(
      sql,
      { event_type: 'project.updated', payload: { project_id: id, name: p.name } },
      nowIso(ctx),
    );
    return { value: updated, etag: etagOf(revision + 1) };
  });
}

export async function deleteProject(
  ctx: ServiceContext,
  id: number,
  ifMatch: IfMatch | null = null,
): Promise<void> {
  await ctx.store.tx(async (sql) => {
    await checkIfMatch(sql, 'projects', id, ifMatch, `project ${id}`);
    const p = await ops.getProject(sql, id);
    if (!p) throw new AppError('PROJECT_NOT_FOUND', `project ${id} not found`);
    if (await ops.projectInUse(sql, id))
      throw new AppError('RESOURCE_IN_USE', `project ${id} is referenced by templates or tasks`);
    await ops.deleteProject(sql, id);
    await insertEvent(
      sql,
      { event_type: 'project.deleted', payload: { project_id: id, name: p.name } },
      nowIso(ctx),
    );
  });
}
