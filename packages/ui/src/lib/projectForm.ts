/**
 * The project form's draft and its `POST/PUT /projects` body, checked against the contract's bounds
 * (contracts/src/projects.ts, worktree.ts) before it is sent. Where the paths may lie (inside the
 * root, inside an allowed base) only the API knows: those refusals come back with their codes.
 */
import type { Project, ProjectCreate } from '@multyagents/contracts';
import { lines, type FieldErrors } from './roleForm';

/** contracts BranchName. */
export const BRANCH_RE = /^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\/$|-)[A-Za-z0-9._/+-]+$/;

export interface ProjectDraft {
  name: string;
  root_path: string;
  /** One absolute path per line. */
  allowed_paths: string;
  default_branch: string;
  copy_files: string;
  /** One argv element per line; empty: no setup command. */
  command: string;
  hooks: boolean;
  lfs_smudge: boolean;
}

export function draftFromProject(p?: Project): ProjectDraft {
  return {
    name: p?.name ?? '',
    root_path: p?.root_path ?? '',
    allowed_paths: (p?.allowed_paths ?? []).join('\n'),
    default_branch: p?.default_branch ?? '',
    copy_files: (p?.worktree_setup.copy_files ?? []).join('\n'),
    command: (p?.worktree_setup.command ?? []).join('\n'),
    hooks: p?.worktree_setup.hooks ?? false,
    lfs_smudge: p?.worktree_setup.lfs_smudge ?? false,
  };
}

export function projectBody(d: ProjectDraft): { body: ProjectCreate | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = d.name.trim();
  if (!name) errors.name = 'a name is required';
  else if (name.length > 200) errors.name = 'at most 200 characters';
  else if (/[\u0000-\u001f\u007f]/.test(name)) errors.name = 'one line, no control characters';
  const root = d.root_path.trim();
  if (!root) errors.root_path = 'a root path is required';
  else if (!root.startsWith('/')) errors.root_path = 'an absolute path (starts with /)';
  else if (root.length > 4096) errors.root_path = 'at most 4096 characters';
  const allowed = lines(d.allowed_paths);
  const notAbs = allowed.find((p) => !p.startsWith('/'));
  if (allowed.length > 200) errors.allowed_paths = 'at most 200 paths';
  else if (notAbs) errors.allowed_paths = `'${notAbs}' is not absolute`;
  else if (allowed.some((p) => p.length > 4096)) errors.allowed_paths = 'each path at most 4096 characters';
  const branch = d.default_branch.trim();
  if (branch && (branch.length > 250 || !BRANCH_RE.test(branch)))
    errors.default_branch = 'not a valid branch name';
  const copy = lines(d.copy_files);
  const badCopy = copy.find((p) => p.startsWith('/') || p.split('/').includes('..') || p.length > 1000);
  if (copy.length > 100) errors.copy_files = 'at most 100 files';
  else if (badCopy) errors.copy_files = `'${badCopy}' must be relative to the root, without ..`;
  const command = lines(d.command);
  if (command.length > 100) errors.command = 'at most 100 arguments';
  else if (command.some((a) => a.length > 4096)) errors.command = 'each argument at most 4096 characters';
  if (Object.keys(errors).length > 0) return { body: null, errors };
  return {
    body: {
      name,
      root_path: root,
      allowed_paths: allowed,
      default_branch: branch || null,
      worktree_setup: {
        copy_files: copy,
        command: command.length > 0 ? command : null,
        hooks: d.hooks,
        lfs_smudge: d.lfs_smudge,
      },
    },
    errors,
  };
}
