/**
 * Template recommendation: rank templates for a free-text request.
 *
 * score = relevance + project boost + history boost, where
 * - relevance (0..1): each query token scores its best match — template name 1.0, a step title 0.6, a role
 *   name of a step 0.4 — averaged over the query tokens;
 * - project boost: +0.2 for a template bound to the asked project (templates bound to other projects are
 *   left out; global templates stay);
 * - history boost (use_history): 0.3 × (smoothed success rate − 0.5), in (−0.15, +0.15), where the rate is
 *   (succeeded + 1) / (finished + 2) over the template's finished runs, so one lucky run counts for little.
 * With a non-empty query only templates with some relevance are offered. Ties break by id.
 */
import type {
  RecommendRequest,
  RecommendResponse,
  Recommendation,
  WorkflowTemplate,
} from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';
import { getProject } from '../store/ops/projects.js';
import { getRolesByIds } from '../store/ops/roles.js';
import { listTemplates, templateRunStats, type TemplateRunStats } from '../store/ops/templates.js';
import type { ServiceContext } from './context.js';
import { detectIntents } from './v1Intents.js';

const STOP_WORDS = new Set(
  'a an and are as at be by for from in into is it of on or our please the this to with workflow'.split(' '),
);
const WEIGHT = { name: 1, title: 0.6, role: 0.4 } as const;
const PROJECT_BOOST = 0.2;
const HISTORY_WEIGHT = 0.3;

/** Light folding so that 'tests' meets 'test' and 'reviewing' meets 'review'. */
function stem(t: string): string {
  if (t.length > 5 && t.endsWith('ing')) return t.slice(0, -3);
  if (t.length > 3 && t.endsWith('s') && !t.endsWith('ss')) return t.slice(0, -1);
  return t;
}

export function tokenize(text: string): string[] {
  const out = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length >= 2 && !STOP_WORDS.has(t))
    .map(stem);
  return [...new Set(out)];
}

interface Scored extends Recommendation {
  relevance: number;
}

function scoreTemplate(
  t: WorkflowTemplate,
  query: string[],
  roleNames: Map<number, string>,
  req: RecommendRequest,
  stats: TemplateRunStats | undefined,
  intents: string[],
): Scored {
  const fields = {
    name: new Set(tokenize(t.name)),
    title: new Set(t.steps.flatMap((s) => tokenize(s.title))),
    role: new Set(t.steps.flatMap((s) => tokenize(roleNames.get(s.role_id) ?? ''))),
  };
  const hits: Record<keyof typeof fields, string[]> = { name: [], title: [], role: [] };
  let sum = 0;
  for (const q of query) {
    const field = (['name', 'title', 'role'] as const).find((f) => fields[f].has(q));
    if (!field) continue;
    hits[field].push(q);
    sum += WEIGHT[field];
  }
  const relevance = query.length ? sum / query.length : 0;
  const reasons: string[] = [];
  if (hits.name.length) reasons.push(`name matches: ${hits.name.join(', ')}`);
  if (hits.title.length) reasons.push(`step titles match: ${hits.title.join(', ')}`);
  if (hits.role.length) reasons.push(`roles match: ${hits.role.join(', ')}`);
  let score = relevance;
  if (req.project_id != null && t.project_id === req.project_id) {
    score += PROJECT_BOOST;
    reasons.push(`bound to project ${req.project_id}`);
  }
  if (req.use_history) {
    const ok = stats?.succeeded ?? 0;
    const finished = ok + (stats?.unsuccessful ?? 0);
    if (finished > 0) {
      score += HISTORY_WEIGHT * ((ok + 1) / (finished + 2) - 0.5);
      reasons.push(`history: ${ok}/${finished} finished runs succeeded`);
    } else reasons.push('history: no finished runs yet');
  }
  const ok = stats?.succeeded ?? 0;
  const finished = ok + (stats?.unsuccessful ?? 0);
  const blob = [t.name, ...t.steps.flatMap((s) => [s.step_id, s.title])].join(' ');
  const templateIntents = new Set(detectIntents(blob));
  return {
    workflow_template_id: t.id,
    name: t.name,
    score: Math.round(Math.max(0, score) * 10_000) / 10_000,
    reasons,
    step_count: t.steps.length,
    project_id: t.project_id,
    reason: reasons.join('; '),
    intent_matches: intents.filter((i) => templateIntents.has(i)),
    historical_runs: req.use_history ? finished : 0,
    historical_success_rate: req.use_history && finished ? Math.round((ok / finished) * 10_000) / 100 : 0,
    relevance,
  };
}

export async function recommendTemplates(
  ctx: ServiceContext,
  req: RecommendRequest,
): Promise<RecommendResponse> {
  const { templates, roles, stats } = await ctx.store.read(async (sql) => {
    if (req.project_id != null && !(await getProject(sql, req.project_id)))
      throw new AppError('UNKNOWN_REFERENCE', `project ${req.project_id} does not exist`, {
        field: 'project_id',
      });
    const all = await listTemplates(sql);
    return {
      templates: all,
      roles: await getRolesByIds(
        sql,
        all.flatMap((t) => t.steps.map((s) => s.role_id)),
      ),
      stats: req.use_history ? await templateRunStats(sql) : new Map<number, TemplateRunStats>(),
    };
  });
  const query = tokenize(req.query);
  const intents = detectIntents(req.query);
  const roleNames = new Map([...roles].map(([id, r]) => [id, r.name]));
  const ranked = templates
    .filter((t) => req.project_id == null || t.project_id == null || t.project_id === req.project_id)
    .map((t) => scoreTemplate(t, query, roleNames, req, stats.get(t.id), intents))
    .filter((s) => query.length === 0 || s.relevance > 0)
    .sort((a, b) => b.score - a.score || a.workflow_template_id - b.workflow_template_id)
    .slice(0, req.limit)
    .map(({ relevance: _relevance, ...rec }) => rec);
  return {
    query: req.query,
    detected_intents: intents,
    use_history: req.use_history,
    recommendations: ranked,
  };
}
