import fs from 'node:fs';
import path from 'node:path';
import type { RunnerSubmit } from '@multyagents/contracts';

export type Workdir =
  { ok: true; cwd: string; workspaceRoot: string | null } | { ok: false; message: string };

/**
 * The agent's working directory per execution mode: the runner's own work dir for `no-workspace`, the
 * project root for `shared-workspace`. Worktrees and sandboxes are not implemented by this runner, and
 * it says so instead of silently running elsewhere.
 */
export function resolveWorkdir(s: RunnerSubmit, runnerWorkDir: string, ensure = true): Workdir {
  switch (s.execution_mode) {
    case 'no-workspace':
      // Created at start; made again in case it was removed since (`ensure`: a process will run in it).
      if (ensure) fs.mkdirSync(runnerWorkDir, { recursive: true });
      return { ok: true, cwd: runnerWorkDir, workspaceRoot: null };
    case 'shared-workspace': {
      const root = s.workspace?.root_path;
      if (typeof root !== 'string' || !path.isAbsolute(root)) {
        return {
          ok: false,
          message: `execution mode shared-workspace needs workspace.root_path (an absolute path), got ${JSON.stringify(root ?? null)}`,
        };
      }
      let isDir = false;
      try {
        isDir = fs.statSync(root).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) {
        return {
          ok: false,
          message: `execution mode shared-workspace: workspace root ${root} is not an existing directory`,
        };
      }
      return { ok: true, cwd: root, workspaceRoot: root };
    }
    default:
      return {
        ok: false,
        message: `execution mode ${s.execution_mode} is not supported by this runner yet (supported: no-workspace, shared-workspace)`,
      };
  }
}
