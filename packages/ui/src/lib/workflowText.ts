/**
 * The builder's raw mode: a workflow file as JSON or YAML text, both ways, with errors that name the
 * line. The `yaml` package is loaded on demand (a separate chunk), so it is not in the first paint;
 * every function here takes the loaded module.
 */
import { canonicalFile, type WorkflowFileDoc } from './workflowFile';
import { validateDraft, type Catalogue } from './workflowDraft';
import { checkFileShape, pathText, type Path } from './workflowShape';

export type Format = 'json' | 'yaml';
export type YamlModule = typeof import('yaml');

let loading: Promise<YamlModule> | null = null;
/** The `yaml` package, fetched once. */
export function loadYaml(): Promise<YamlModule> {
  loading ??= import('yaml');
  return loading;
}

export interface TextIssue {
  /** 1-based line the problem is on, when it can be told. */
  line: number | null;
  code: string;
  message: string;
}

export type TextResult = { doc: WorkflowFileDoc; issues: TextIssue[] } | { doc: null; issues: TextIssue[] };

export function fileText(doc: WorkflowFileDoc, format: Format, yaml: YamlModule): string {
  const file = canonicalFile(doc);
  return format === 'json' ? `${JSON.stringify(file, null, 2)}\n` : yaml.stringify(file, { lineWidth: 0 });
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The line of a JSON syntax error from the engine's message (`position 42` or `line 3 column 5`). */
function jsonErrorLine(text: string, message: string): number | null {
  const lc = /line (\d+) column \d+/.exec(message);
  if (lc) return Number(lc[1]);
  const pos = /position (\d+)/.exec(message);
  return pos ? lineOf(text, Number(pos[1])) : null;
}

/** The line a path of the document starts on (JSON is read as YAML for this); the nearest parent if absent. */
export function locate(text: string, path: Path, yaml: YamlModule): number | null {
  const counter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: counter });
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: number[] } | null)?.range?.[0] ?? null;
  for (const k of path) {
    let next: unknown;
    if (yaml.isMap(node)) {
      const pair = node.items.find((p) => yaml.isScalar(p.key) && p.key.value === k);
      if (!pair) break;
      offset = (pair.key as { range?: number[] }).range?.[0] ?? offset;
      next = pair.value;
    } else if (yaml.isSeq(node) && typeof k === 'number') {
      next = node.items[k];
      offset = (next as { range?: number[] } | undefined)?.range?.[0] ?? offset;
    } else break;
    if (next === undefined) break;
    node = next;
  }
  return offset === null ? null : counter.linePos(offset).line;
}

/** Parse the text; every problem (syntax, shape, DAG, names) with its line. */
export function parseFileText(
  text: string,
  format: Format,
  yaml: YamlModule,
  cat: Catalogue | null,
): TextResult {
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        doc: null,
        issues: [
          { line: jsonErrorLine(text, message), code: 'SYNTAX', message: `not valid JSON: ${message}` },
        ],
      };
    }
  } else {
    const counter = new yaml.LineCounter();
    const parsed = yaml.parseDocument(text, { lineCounter: counter, prettyErrors: false });
    if (parsed.errors.length > 0)
      return {
        doc: null,
        issues: parsed.errors.map((e) => ({
          line: counter.linePos(e.pos[0]).line,
          code: 'SYNTAX',
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
        })),
      };
    value = parsed.toJS();
  }
  const shape = checkFileShape(value);
  if ('issues' in shape)
    return {
      doc: null,
      issues: shape.issues.map((x) => ({
        line: locate(text, x.path, yaml),
        code: 'VALIDATION_FAILED',
        message: `${x.path.length ? `${pathText(x.path)}: ` : ''}${x.message}`,
      })),
    };
  return {
    doc: shape.doc,
    issues: validateDraft(shape.doc, cat).map((x) => ({
      line: locate(text, x.path, yaml),
      code: x.code,
      message: `${pathText(x.path)}: ${x.message}`,
    })),
  };
}
