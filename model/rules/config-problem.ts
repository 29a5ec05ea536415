/**
 * What a shared rule returns: one problem, where in `agent-cloud:` config it is, what was there
 * and what is allowed. `stacks/config` turns it into a ConfigIssue; a component names its own
 * arg the same way, because the component's args come from that config.
 */
export interface ConfigProblem {
  /** Path in `agent-cloud:` config, e.g. `database.maxConnections`. */
  readonly path: string;
  /** The offending value, or undefined when the problem is a missing value. */
  readonly received?: unknown;
  readonly message: string;
}

/** `path received: message` (received as JSON), as parseConfig prints an issue. */
export function formatConfigProblem(problem: ConfigProblem): string {
  return problem.received === undefined
    ? `${problem.path}: ${problem.message}`
    : `${problem.path} ${JSON.stringify(problem.received)}: ${problem.message}`;
}
