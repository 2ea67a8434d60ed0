import type { Format, TextIssue } from '../../lib/workflowText';

/** The raw mode's text area (the `multyagents run` file, JSON or YAML) and its problems by line. */
export function RawEditor(props: {
  format: Format;
  text: string;
  issues: TextIssue[];
  onText: (text: string) => void;
}) {
  const label = props.format === 'json' ? 'JSON' : 'YAML';
  return (
    <>
      <label className="block">
        Workflow file ({label}, as <code>multyagents run</code> reads it: roles and the project by name)
        <textarea
          rows={24}
          cols={90}
          value={props.text}
          onChange={(e) => props.onText(e.target.value)}
          name="raw"
          spellCheck={false}
          aria-invalid={props.issues.length > 0}
        />
      </label>
      {props.issues.length > 0 && (
        <ul className="error" role="alert" aria-label="Problems in the file">
          {props.issues.map((x, k) => (
            <li key={k}>
              {x.line !== null && <span>line {x.line}: </span>}
              <code>{x.code}</code> {x.message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
