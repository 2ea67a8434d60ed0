import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createGitWorkspaces,
  type GitWorkspaces,
} from '@multyagents/control-plane/internal/runner/git/index.js';
import { silentLogger } from '@multyagents/control-plane/internal/lib/logger.js';
import { git, makeBigRepo, type BigRepo } from '../bigRepo.js';
import { pct, type MetricResult, type Row } from '../report.js';
import { BenchStack } from '../stack.js';
import { summarize } from '../stats.js';
import { ratioText, wallNowMs, nsTextToMs } from '../wtFigures.js';
import {
  addCommandRunner,
  attemptDir,
  stepTask,
  waitGone,
  waitRunDone,
  worktreeTemplate,
  type CommandRunner,
} from '../worktreeStack.js';

export interface B10Params {
  files: number;
  dirs: number;
  /** The same comparison on a tiny repository: the fixed cost that the 10k-file checkout hides. */
  smallFiles: number;
  samples: number;
  warmup: number;
  /** Rounds stop after this long even when `samples` is not reached (each round = one of each). */
  maxMs: number;
  /** Also measure the product with `--sandbox off` (a second API + runner). */
  sandboxOff: boolean;
}

/** The agent's first act: a wall-clock timestamp (ns) beside its result file, then exit 0. */
export const STARTED_AGENT = ['sh', '-c', 'date +%s%N > "$MULTYAGENTS_RESULT_FILE.started"'];

interface Variant {
  key: string;
  label: string;
  /** One sample: ms measured; whatever it creates is removed after the clock stopped. */
  sample: (i: number) => Promise<number>;
  values: number[];
  note?: string;
}

interface Product {
  stack: BenchStack;
  runner: CommandRunner;
  /** One-step isolated-worktree template per repository. */
  templates: Map<string, number>;
  sandbox: string;
}

async function startProduct(
  durability: 'full' | 'relaxed',
  repos: BigRepo[],
  sandbox: 'auto' | 'off',
): Promise<Product> {
  const stack = new BenchStack({ durability, label: `bench-b10-${sandbox}` });
  await stack.startApi();
  const runner = await addCommandRunner(stack, {
    argv: STARTED_AGENT,
    sandbox,
    keepWorktrees: 'on-failure',
    capacity: 1,
    tag: `sandbox-${sandbox}`,
  });
  const templates = new Map<string, number>();
  for (const r of repos)
    templates.set(r.repo, await worktreeTemplate(stack.client, r.repo, `b10-${sandbox}-${r.files}`));
  const views = await stack.client.get<Array<{ name: string; capabilities?: string[] }>>('/runners');
  const caps = views.find((v) => v.name === runner.name)?.capabilities ?? [];
  if (!caps.includes('git-worktree'))
    throw new Error(`${runner.name} did not register git-worktree (capabilities: ${caps.join(', ')})`);
  return { stack, runner, templates, sandbox: caps.includes('bwrap') ? 'bwrap' : 'none' };
}

/** POST /workflow-runs answered → the agent's timestamp; waits for the run and its cleanup (untimed). */
async function productSample(p: Product, repo: string, fromSend: number[]): Promise<number> {
  const api = p.stack.client;
  const templateId = p.templates.get(repo)!;
  const sent = wallNowMs();
  const created = await api.post<{ id: number }>('/workflow-runs', { workflow_template_id: templateId });
  const ready = wallNowMs();
  const run = await waitRunDone(api, created.id, 60_000);
  const task = await stepTask(api, run);
  const file = path.join(attemptDir(p.runner.dataDir, task.id), 'result.json.started');
  const started = nsTextToMs(fs.readFileSync(file, 'utf8'));
  // The runner removes the succeeded worktree after its report: the next sample must not share the
  // repository's writer lease with that removal.
  if (task.worktree?.path && !(await waitGone(task.worktree.path, 30_000)))
    throw new Error(`the runner did not remove ${task.worktree.path} within 30 s`);
  fromSend.push(started - sent);
  return started - ready;
}

/** The variants compared on one repository; keys are prefixed with its file count. */
function variantsFor(
  big: BigRepo,
  root: string,
  ws: GitWorkspaces,
  products: Product[],
  fromSend: Map<string, number[]>,
): Variant[] {
  const addInto = (dir: string, config: string[]) => async () => {
    const t0 = performance.now();
    await git(big.repo, big.env, ...config, 'worktree', 'add', '-q', '--detach', dir, 'HEAD');
    const ms = performance.now() - t0;
    await git(big.repo, big.env, 'worktree', 'remove', '--force', dir);
    return ms;
  };
  const cores = os.cpus().length;
  const parallel = ['-c', `checkout.workers=${cores}`, '-c', 'checkout.thresholdForParallelism=1'];
  const variants: Variant[] = [
    {
      key: 'git_worktree_add_ms',
      label: '`git worktree add --detach` alone',
      values: [],
      sample: (i) => addInto(path.join(root, 'baseline', `wt-${i}`), [])(),
    },
    {
      key: 'git_worktree_add_parallel_ms',
      label: `the same with \`-c checkout.workers=${cores}\` (reference)`,
      values: [],
      sample: (i) => addInto(path.join(root, 'baseline', `wtp-${i}`), parallel)(),
    },
    {
      key: 'library_prepare_ms',
      label: "runner's git library prepare() alone",
      values: [],
      sample: async (i) => {
        const t0 = performance.now();
        const r = await ws.prepare({
          repoRoot: big.repo,
          runId: 1_000_000 + i,
          taskId: 1_000_000 + i,
          stepKey: 'agent',
          attempt: 1,
          baseSha: big.baseSha,
          upstream: [],
          reuse: false,
        });
        const ms = performance.now() - t0;
        if (!r.ok) throw new Error(`prepare failed: ${r.reason}: ${r.message}`);
        await git(big.repo, big.env, 'worktree', 'remove', '--force', r.path);
        return ms;
      },
    },
    ...products.map((x): Variant => {
      const key = `product_sandbox_${x.runner.spec.sandbox}_ms`;
      fromSend.set(`${big.files}_${key}`, []);
      return {
        key,
        label: `product: run created → agent started (--sandbox ${x.runner.spec.sandbox}: ${x.sandbox})`,
        values: [],
        sample: () => productSample(x, big.repo, fromSend.get(`${big.files}_${key}`)!),
      };
    }),
  ];
  return variants.map((v) => ({ ...v, key: `${big.files}_files_${v.key}` }));
}

export async function b10(
  durability: 'full' | 'relaxed',
  keep: boolean,
  p: B10Params,
): Promise<MetricResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'multyagents-bench-b10-'));
  const products: Product[] = [];
  try {
    const big = await makeBigRepo(path.join(root, 'big'), p.files, p.dirs);
    const small = await makeBigRepo(path.join(root, 'small'), p.smallFiles, 1);
    const ws = createGitWorkspaces({ worktreesDir: path.join(root, 'lib-worktrees'), logger: silentLogger });
    products.push(await startProduct(durability, [big, small], 'auto'));
    if (p.sandboxOff) products.push(await startProduct(durability, [big, small], 'off'));
    const fromSend = new Map<string, number[]>();
    const groups = [big, small].map((r) => ({
      repo: r,
      variants: variantsFor(r, root, ws, products, fromSend),
    }));
    const all = groups.flatMap((g) => g.variants);
    // Warm-up (page cache, fresh processes), then rounds of one sample of each, alternating, so that
    // a slow stretch of the shared machine hits every variant alike.
    let i = 0;
    for (let w = 0; w < p.warmup; w++) for (const v of all) await v.sample(i++);
    for (const x of fromSend.values()) x.length = 0;
    const deadline = Date.now() + p.maxMs;
    let rounds = 0;
    while (rounds < p.samples && Date.now() < deadline) {
      for (const v of all) v.values.push(await v.sample(i++));
      rounds++;
    }
    return b10Result(groups, products, fromSend, rounds);
  } finally {
    for (const x of products) await x.stack.dispose(keep);
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
  }
}

function b10Result(
  groups: Array<{ repo: BigRepo; variants: Variant[] }>,
  products: Product[],
  fromSend: Map<string, number[]>,
  rounds: number,
): MetricResult {
  const rows: Row[] = [];
  const data: Record<string, unknown> = {
    repos: groups.map((g) => ({
      files: g.repo.files,
      dirs: g.repo.dirs,
      generate_ms: Math.round(g.repo.generate_ms),
    })),
    rounds,
    clock: 'wall clock: POST /workflow-runs answered (bench) vs `date +%s%N` written by the agent',
    sandbox: Object.fromEntries(products.map((x) => [x.runner.spec.sandbox, x.sandbox])),
  };
  for (const g of groups) {
    const base = summarize(g.variants[0]!.values);
    g.variants.forEach((v, k) => {
      const x = summarize(v.values);
      data[v.key] = x;
      const product = v.key.includes('_product_');
      rows.push({
        id: 'B10',
        metric: `${g.repo.files} files: ${v.label}`,
        value: pct(x),
        ratio: k === 0 ? 'baseline' : ratioText(x, base),
        goal:
          k === 0
            ? `${rounds} samples each, alternating`
            : product && g === groups[0]
              ? '≤ 1.2× of git worktree add alone (stretch: below it)'
              : '',
      });
    });
  }
  for (const [k, xs] of fromSend) data[`${k.replace(/_ms$/, '')}_from_send_ms`] = summarize(xs);
  return { id: 'B10', title: 'ready → agent started in a fresh worktree', status: 'ok', rows, data };
}
