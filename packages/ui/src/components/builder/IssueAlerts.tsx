import type { Issue } from '../../lib/workflowDraft';

/** The builder's inline problems, each with the API's code (a step card's, the merge policy's, the workflow's). */
export function IssueAlerts({ issues }: { issues: Issue[] }) {
  return (
    <>
      {issues.map((x, k) => (
        <p key={k} className="error" role="alert">
          <code>{x.code}</code> {x.message}
        </p>
      ))}
    </>
  );
}
