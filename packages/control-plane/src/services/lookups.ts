/**
 * Per-pass memo of what dispatch reads for every claimed task and no claim changes: roles, runners,
 * projects, skill packs and upstream handoffs. A claim pass of a 100-child fan-out reads each once
 * instead of 100 times. Valid for one transaction only (nothing here is invalidated).
 */
import { skillEntry, type Role } from '@multyagents/contracts';
import { skillsOf, upstreamHandoffs } from '../store/ops/dispatchContext.js';
import { getProject } from '../store/ops/projects.js';
import { getRole } from '../store/ops/roles.js';
import { getRunner, type RunnerRow } from '../store/ops/runners.js';
import type { Sql } from '../store/sql.js';

type Project = Awaited<ReturnType<typeof getProject>>;
type Skills = Awaited<ReturnType<typeof skillsOf>>;
type Upstream = Awaited<ReturnType<typeof upstreamHandoffs>>;

export class DispatchLookups {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(private readonly sql: Sql) {}

  role(id: number): Promise<Role | undefined> {
    return this.once(`role:${id}`, () => getRole(this.sql, id));
  }

  runner(id: number): Promise<RunnerRow | undefined> {
    return this.once(`runner:${id}`, () => getRunner(this.sql, id));
  }

  project(id: number): Promise<Project> {
    return this.once(`project:${id}`, () => getProject(this.sql, id));
  }

  /** The role's packs with each skill id followed by its catalogue instructions (what the agent reads). */
  skills(packNames: string[]): Promise<Skills> {
    return this.once(`skills:${JSON.stringify(packNames)}`, async () =>
      (await skillsOf(this.sql, packNames)).map((p) => ({
        pack: p.pack,
        skills: p.skills.map((id) => {
          const entry = skillEntry(id);
          return entry ? `${id}: ${entry.instructions}` : id;
        }),
      })),
    );
  }

  upstream(taskIds: number[]): Promise<Upstream> {
    return this.once(`upstream:${taskIds.join(',')}`, () => upstreamHandoffs(this.sql, taskIds));
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.memo.set(key, p);
    }
    return p;
  }
}
