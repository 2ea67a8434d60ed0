/**
 * The first version's recommendation intents: `feature, bugfix, release, incident, article, social,
 * localization`, each matched by keywords against the query (`detected_intents`) and against a template's
 * name, step ids and titles (`intent_matches`). Reported with each recommendation, as v1 did; the ranking
 * itself is ours (services/recommend.ts).
 */
const INTENT_KEYWORDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['feature', ['feature', 'implement', 'enhancement', 'build', 'add']],
  ['bugfix', ['bug', 'fix', 'defect', 'regression', 'broken', 'crash', 'error']],
  ['release', ['release', 'deploy', 'ship', 'changelog', 'rollout', 'version']],
  ['incident', ['incident', 'outage', 'hotfix', 'postmortem', 'emergency', 'sev']],
  ['article', ['article', 'blog', 'essay', 'docs', 'documentation', 'research', 'write']],
  ['social', ['social', 'tweet', 'twitter', 'linkedin', 'thread', 'instagram', 'post']],
  ['localization', ['locali', 'translat', 'i18n', 'l10n', 'locale']],
];

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Intents whose keywords start some word of the text, in v1's intent order. */
export function detectIntents(text: string): string[] {
  const ws = words(text);
  return INTENT_KEYWORDS.filter(([, keys]) => keys.some((k) => ws.some((w) => w.startsWith(k)))).map(
    ([intent]) => intent,
  );
}
