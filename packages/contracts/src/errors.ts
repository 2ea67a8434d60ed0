/**
 * The one catalogue of stable error codes. Clients match on `code`; the HTTP layer maps a code to its
 * status here and nowhere else. Codes are append-only: never rename or remove one.
 */
export const ERROR_CODES = {
  // 400/422 — input
  VALIDATION_FAILED: { status: 422, message: 'The request body or query is invalid' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  JSON_TOO_DEEP: { status: 422, message: 'The request body nests objects or arrays too deeply' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than the configured limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body is not application/json' },
  IDEMPOTENCY_KEY_INVALID: {
    status: 422,
    message: 'The Idempotency-Key header must be 1-200 printable ASCII characters',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was used with a different route or body within 24 h',
  },
  UNKNOWN_FIELD: {
    status: 422,
    message: 'The request body has a field this route does not take (or a read-only one, like id)',
  },
  PATH_NOT_ABSOLUTE: { status: 422, message: 'A path must be absolute' },
  PATH_OUTSIDE_ROOT: { status: 422, message: 'A path resolves outside the project root' },
  PATH_NOT_ALLOWED: { status: 422, message: 'A project path may not be on a pseudo-filesystem' },
  PROJECT_ROOT_OUTSIDE_BASE: {
    status: 422,
    message:
      'A project path resolves outside every allowed base (--project-roots / MULTYAGENTS_PROJECT_ROOTS)',
  },
  DAG_DUPLICATE_STEP: { status: 422, message: 'Two steps share one step_id' },
  DAG_UNKNOWN_DEPENDENCY: { status: 422, message: 'A step depends on a step that does not exist' },
  DAG_SELF_DEPENDENCY: { status: 422, message: 'A step depends on itself' },
  DAG_CYCLE: { status: 422, message: 'The steps form a cycle' },
  DAG_ARTIFACT_SOURCE_NOT_DEPENDENCY: {
    status: 422,
    message: 'required_artifacts.from_step_id must be one of the step dependencies',
  },
  UNKNOWN_REFERENCE: { status: 422, message: 'The body refers to an entity that does not exist' },
  WORKSPACE_NOT_GIT: {
    status: 422,
    message: 'isolated-worktree needs a project whose root is a git repository with the named branch',
  },
  RESERVED_STEP_ID: { status: 422, message: 'Step ids starting with multyagents. are reserved' },
  PATH_OUTSIDE_ALLOWED: {
    status: 422,
    message: "A path resolves outside the project's allowed paths",
  },
  UNKNOWN_SKILL: { status: 422, message: 'A skill pack lists a skill that is not in the skills catalogue' },
  RUNNER_URL_INVALID: {
    status: 422,
    message: 'A runner URL must be http(s) and not link-local (169.254.0.0/16, fe80::/10)',
  },
  // 401
  RUNNER_TOKEN_INVALID: { status: 401, message: 'Missing or wrong X-Runner-Token' },
  OPERATOR_TOKEN_INVALID: { status: 401, message: 'Missing or wrong operator token' },
  RUNNER_CREDENTIAL_INVALID: {
    status: 401,
    message: "Missing or wrong X-Runner-Credential: this call needs the runner's own credential",
  },
  // 404
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  PROJECT_NOT_FOUND: { status: 404, message: 'Project not found' },
  ROLE_NOT_FOUND: { status: 404, message: 'Role not found' },
  SKILL_PACK_NOT_FOUND: { status: 404, message: 'Skill pack not found' },
  WORKFLOW_TEMPLATE_NOT_FOUND: { status: 404, message: 'Workflow template not found' },
  WORKFLOW_RUN_NOT_FOUND: { status: 404, message: 'Workflow run not found' },
  TASK_NOT_FOUND: { status: 404, message: 'Task not found' },
  APPROVAL_NOT_FOUND: { status: 404, message: 'Approval not found' },
  RUNNER_NOT_FOUND: { status: 404, message: 'Runner not found' },
  ARTIFACT_NOT_FOUND: { status: 404, message: 'Artifact not found' },
  ATTEMPT_NOT_FOUND: { status: 404, message: 'The runner holds no such attempt' },
  // 409 — state conflicts
  NAME_CONFLICT: { status: 409, message: 'An entity with this name already exists' },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: 409,
    message: 'Another request with this Idempotency-Key is being processed; retry to get its answer',
  },
  RESOURCE_IN_USE: { status: 409, message: 'The entity is still referenced and cannot be deleted' },
  TASK_NOT_DISPATCHABLE: { status: 409, message: 'The task cannot be dispatched in its current state' },
  TASK_NOT_CANCELABLE: { status: 409, message: 'The task is already terminal' },
  ILLEGAL_TRANSITION: { status: 409, message: 'The reported status is not a legal transition' },
  STALE_ATTEMPT: { status: 409, message: 'The report belongs to an attempt that is no longer current' },
  RUNNER_NAME_TAKEN: {
    status: 409,
    message: 'A runner with this name is registered; only its own credential may register it again',
  },
  RUN_STATE_CONFLICT: { status: 409, message: 'The run is not in a state that allows this operation' },
  APPROVAL_ALREADY_DECIDED: { status: 409, message: 'The approval was already decided' },
  APPROVAL_LOCKED: { status: 409, message: 'The task was dispatched; its approval is final' },
  LOCK_CONFLICT: { status: 409, message: 'Another active task holds one of the lock paths' },
  NO_RUNNER_AVAILABLE: { status: 409, message: 'No runner with free capacity is reachable' },
  SANDBOX_UNAVAILABLE: {
    status: 409,
    message: 'No runner can honour the execution mode or sandbox this task asks for',
  },
  PATH_LOCK_HELD: { status: 409, message: 'Another attempt on this host holds one of the lock paths' },
  // runner side
  RUNNER_AT_CAPACITY: { status: 429, message: 'The runner is at capacity' },
  RUNNER_DRAINING: { status: 503, message: 'The runner is shutting down and accepts no new work' },
  RUNNER_JOURNAL_FULL: {
    status: 429,
    message: 'The runner cannot journal new work (its disk is full): the task is placed again',
  },
  EXECUTOR_UNAVAILABLE: { status: 422, message: 'The executor cannot run on this host' },
  // 5xx and start-up
  STORE_UNAVAILABLE: { status: 503, message: 'The store is not open or cannot make the change durable' },
  STORE_CORRUPT: { status: 503, message: 'The store reports that its file is damaged' },
  TOO_MANY_STREAMS: { status: 503, message: 'The API serves its maximum of event streams' },
  STREAM_CLIENT_TOO_SLOW: {
    status: 503,
    message:
      'The event stream was closed: the client read nothing for too long (reconnect with Last-Event-ID)',
  },
  UI_NOT_BUILT: {
    status: 503,
    message:
      'The web panel is not built (run `./scripts/multyagents` once, or `npm run build -w @multyagents/ui`)',
  },
  INTERNAL_ERROR: { status: 500, message: 'Internal error' },
  DATA_DIR_LOCKED: { status: 500, message: 'Another process owns this data dir' },
  PORT_IN_USE: { status: 500, message: 'The port is already taken' },
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid' },
  // The CLI: raised by `multyagents` on this machine, never in an HTTP answer (`surface: 'cli'`). The
  // status is what an HTTP surface would answer for the same condition; the CLI maps codes to exit codes.
  USAGE: {
    status: 422,
    message: 'The command line is invalid (an unknown option or a bad value)',
    surface: 'cli',
  },
  WORKFLOW_FILE_INVALID: {
    status: 422,
    message: 'The workflow file does not describe a workflow',
    surface: 'cli',
  },
  WORKFLOW_FILE_UNREADABLE: { status: 422, message: 'The workflow file cannot be read', surface: 'cli' },
  API_UNREACHABLE: { status: 503, message: 'The API cannot be reached or is not healthy', surface: 'cli' },
  API_UNEXPECTED_ANSWER: { status: 500, message: 'The API answered an error without a code', surface: 'cli' },
  START_FAILED: { status: 500, message: 'A component exited before it became healthy', surface: 'cli' },
  NOT_HEALTHY: { status: 503, message: 'A component did not become healthy in time', surface: 'cli' },
  NO_STACK: { status: 404, message: 'No stack was started from this data dir', surface: 'cli' },
  STACK_FILE_INVALID: { status: 500, message: 'The stack file of the data dir is malformed', surface: 'cli' },
  NO_LOGS: { status: 404, message: 'No log file for that component', surface: 'cli' },
  MKDIR_FAILED: { status: 500, message: 'A directory cannot be created', surface: 'cli' },
  TOOLING_NOT_INSTALLED: {
    status: 500,
    message: 'The command needs a tooling package (drills, bench) that is not installed',
    surface: 'cli',
  },
  // First-version surface (docs/compatibility.md)
  HANDOFF_NOT_FOUND: { status: 404, message: 'The task has no handoff yet' },
  CORS_ORIGIN_REFUSED: { status: 400, message: 'The Origin of this cross-origin request is not allowed' },
  RERUN_SELECTION_INVALID: {
    status: 422,
    message: 'The partial-rerun selection names tasks that cannot be rerun as asked',
  },
  // The operator cockpit (issue 19)
  DIFF_UNAVAILABLE: {
    status: 409,
    message: 'The task has no recorded commit range to diff (no worktree, no commit, or nothing changed)',
  },
  REPO_UNAVAILABLE: {
    status: 409,
    message: "The project's repository or the task's commits are no longer there",
  },
  DRILL_EVIDENCE_NOT_FOUND: {
    status: 404,
    message: 'No chaos evidence folder with this id (or it has no report.json)',
  },
  DRILL_REPORT_UNREADABLE: {
    status: 409,
    message: "The evidence folder's report.json cannot be read or is not valid JSON",
  },
  // Optimistic concurrency for the catalogue's edits (PUT/DELETE with If-Match)
  EDIT_CONFLICT: {
    status: 412,
    message:
      'The item changed since the ETag given in If-Match was read: nothing was written; current_etag names its version now',
  },
  IF_MATCH_INVALID: {
    status: 422,
    message: 'The If-Match header must be * or a comma-separated list of quoted entity tags, e.g. "r7"',
  },
} as const satisfies Record<string, { status: number; message: string; surface?: 'cli' }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** Error body on the wire: `detail` for clients of the first version, `code` for ours. */
export interface ErrorBody {
  detail: unknown;
  code: ErrorCode;
  field?: string;
  [extra: string]: unknown;
}
