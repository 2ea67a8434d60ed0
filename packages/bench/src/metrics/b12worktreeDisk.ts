import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGitWorkspaces } from '@multyagents/control-plane/internal/runner/git/index.js';
import { diskUsage } from '@multyagents/control-plane/internal/runner/git/sweep.js';
import { silentLogger } from '@multyagents/control-plane/internal/lib/logger.js';
import { git, makeBigRepo, type BigRepo } from '../bigRepo.js';
import type { MetricResult, Row } from '../report.js';
import { sleep } from '../procs.js';
import { BenchStack } from '../stack.js';
import { diskFigures, mb, type DiskFigures } from '../wtFigures.js';
import {
  addCommandRunner,
  stepTask,
  waitRunDone,
  worktreeTemplate,
  type CommandRunner,
} from '../worktreeStack.js';

export interface B12Params {
  files: number;
  dirs: number;
  runs: number;
  /** Runs in flight at once (and the runner's capacity). */
  window: number;
  /** Creating stops after this long in each case, whatever `runs` says. */
  maxMs: number;
}

/** The agent writes one small file in its worktree (committed by the runner), then exits 0. */
export const WRITE_AGENT = [
  'sh',
  '-c',
  'echo "written by task $MULTYAGENTS_TASK_ID" > "agent-$MULTYAGENTS_TASK_ID.txt"',
];

interface CaseFigures extends DiskFigures {
  keep_worktrees: 'always' | 'on-failure';
  runs: number;
  committed: number;
  wall_s: number;
}

/** Registered worktrees of the repository besides its own checkout. */
async function worktreeCount(big: BigRepo): Promise<number> {
  const out = await git(big.repo, big.env, 'worktree', 'list', '--porcelain');
  return out.split('\n').filter((l) => l.startsWith('worktree ')).length - 1;
}

/** `p.runs` one-step runs, `p.window` at a time, bounded by `p.maxMs`; each must succeed. */
async function runMany(
  stack: BenchStack,
  templateId: number,
  p: B12Params,
): Promise<{ runs: number; committed: number }> {
  const deadline = Date.now() + p.maxMs;
  let next = 0;
  let committed = 0;
  const slot = async () => {
    while (next < p.runs && Date.now() < deadline) {
      next++;
      const created = await stack.client.post<{ id: number }>('/workflow-runs', {
        workflow_template_id: templateId,
      });
      const task = await stepTask(stack.client, await waitRunDone(stack.client, created.id, 120_000, 50));
      if (task.worktree?.committed) committed++;
    }
  };
  await Promise.all(Array.from({ length: p.window }, slot));
  return { runs: next, committed };
}

async function oneCase(
  durability: 'full' | 'relaxed',
  keep: boolean,
  big: BigRepo,
  p: B12Params,
  keepWorktrees: 'always' | 'on-failure',
  after: (runner: CommandRunner, f: CaseFigures) => Promise<void>,
): Promise<CaseFigures> {
  const stack = new BenchStack({ durability, label: `bench-b12-${keepWorktrees}` });
  try {
    await stack.startApi();
    const runner = await addCommandRunner(stack, {
      argv: WRITE_AGENT,
      sandbox: 'auto',
      keepWorktrees,
      capacity: p.window,
      tag: `keep-${keepWorktrees}`,
    });
    const templateId = await worktreeTemplate(stack.client, big.repo, `b12-${keepWorktrees}`);
    const gitDir = path.join(big.repo, '.git');
    const emptyDirBytes = diskUsage(runner.worktreesDir).bytes;
    const gitBefore = diskUsage(gitDir).bytes;
    const t0 = Date.now();
    const { runs, committed } = await runMany(stack, templateId, p);
    const wall = (Date.now() - t0) / 1000;
    // A succeeded worktree is removed after the report (on-failure); stop the runner once that settled
    // (bounded), so that nothing writes while the disk is measured and swept.
    for (let i = 0; keepWorktrees === 'on-failure' && i < 300 && (await worktreeCount(big)) > 0; i++)
      await sleep(100);
    await runner.child.stop();
    const figures: CaseFigures = {
      keep_worktrees: keepWorktrees,
      runs,
      committed,
      wall_s: Math.round(wall * 10) / 10,
      ...diskFigures({
        runs,
        worktrees: await worktreeCount(big),
        dirBytes: diskUsage(runner.worktreesDir).bytes,
        emptyDirBytes,
        gitBefore,
        gitAfter: diskUsage(gitDir).bytes,
      }),
    };
    await after(runner, figures);
    return figures;
  } finally {
    await stack.dispose(keep);
  }
}

interface SweepFigures {
  sweep_ms: number;
  removed: number;
  kept: number;
  dir_bytes_after: number;
  reclaimed_bytes: number;
  git_after_sweep_bytes: number;
  worktrees_after: number;
}

export async function b12(
  durability: 'full' | 'relaxed',
  keep: boolean,
  p: B12Params,
): Promise<MetricResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-bench-b12-'));
  try {
    const big = await makeBigRepo(root, p.files, p.dirs);
    let sweep: SweepFigures | null = null;
    const always = await oneCase(durability, keep, big, p, 'always', async (runner, f) => {
      // What the runner's start-up sweep does with MULTYAGENTS_RUNNER_WORKTREE_KEEP_HOURS=0.
      const lib = createGitWorkspaces({ worktreesDir: runner.worktreesDir, logger: silentLogger });
      const t0 = performance.now();
      const report = await lib.sweep({ keep: new Set(), olderThanMs: 0 });
      const sweepMs = performance.now() - t0;
      const left = lib.diskUsage().bytes;
      sweep = {
        sweep_ms: Math.round(sweepMs),
        removed: report.removed.length,
        kept: report.kept.length,
        dir_bytes_after: left,
        reclaimed_bytes: f.dir_bytes - left,
        git_after_sweep_bytes: diskUsage(path.join(big.repo, '.git')).bytes,
        worktrees_after: await worktreeCount(big),
      };
    });
    const onFailure = await oneCase(durability, keep, big, p, 'on-failure', async () => undefined);
    return b12Result(big, always, sweep!, onFailure);
  } finally {
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
  }
}

function b12Result(big: BigRepo, a: CaseFigures, s: SweepFigures, d: CaseFigures): MetricResult {
  const perRun = (x: number | null) => (x === null ? '-' : `${(x / 1e3).toFixed(1)} KB per run`);
  const rows: Row[] = [
    {
      id: 'B12',
      metric: `--keep-worktrees always: ${a.runs} runs on ${big.files} files → worktrees dir`,
      value: `${mb(a.dir_bytes)} (${a.worktrees} worktrees)`,
      ratio: a.per_worktree_bytes === null ? '' : `${mb(a.per_worktree_bytes)} per worktree`,
      goal: `${a.committed}/${a.runs} committed, ${a.wall_s} s`,
    },
    {
      id: 'B12',
      metric: '  the repository’s .git over those runs',
      value: `${mb(a.git_before_bytes)} → ${mb(a.git_after_bytes)} (+${mb(a.git_growth_bytes)})`,
      ratio: perRun(a.git_growth_per_run_bytes),
      goal: 'worktree admin dirs (index) + commits + refs',
    },
    {
      id: 'B12',
      metric: '  sweep (keep none, older than 0) → reclaimed',
      value: `${mb(s.reclaimed_bytes)} in ${s.sweep_ms} ms; ${mb(s.dir_bytes_after)} left`,
      ratio: `removed ${s.removed}, kept ${s.kept}`,
      goal: `.git after: ${mb(s.git_after_sweep_bytes)}; worktrees left ${s.worktrees_after}`,
    },
    {
      id: 'B12',
      metric: `--keep-worktrees on-failure (default): ${d.runs} runs → left`,
      value: `${mb(d.dir_bytes)} (${d.worktrees} worktrees)`,
      ratio: perRun(d.git_growth_per_run_bytes),
      goal: `.git +${mb(d.git_growth_bytes)}; ${d.committed}/${d.runs} committed, ${d.wall_s} s`,
    },
  ];
  const ok = a.committed === a.runs && d.committed === d.runs && s.removed === a.worktrees;
  return {
    id: 'B12',
    title: 'disk per worktree and what cleanup gets back',
    status: ok ? 'ok' : 'failed',
    ...(ok ? {} : { reason: 'a run did not commit its file, or the sweep did not remove every worktree' }),
    rows,
    data: { repo: { files: big.files, dirs: big.dirs }, keep_always: a, sweep: s, keep_on_failure: d },
  };
}
