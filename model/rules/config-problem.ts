/**
 * What a shared rule returns: one problem, where in `agent-cloud:` config it is, what was there
 * and what is allowed. `stacks/config` turns it into a ConfigIssue; a component names its own
 * arg the same way, because the component's args come from that config.
 */
import { looksLikeToken, secretShape } from "./secrets";

export interface ConfigProblem {
  /** Path in `agent-cloud:` config, e.g. `database.maxConnections`. */
  readonly path: string;
  /** The offending value, or undefined when the problem is a missing value. */
  readonly received?: unknown;
  readonly message: string;
}

/**
 * How a received value is quoted in an error: JSON, cut short so a pasted blob stays readable.
 * A value that looks like a credential is not shown at all: errors reach terminals and CI logs,
 * and a credential pasted into the wrong field is still a credential.
 */
export function showReceived(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? typeof value;
  const shape = secretShape(json) ?? (looksLikeToken(json) ? "a token" : undefined);
  if (shape !== undefined) return `(not shown: it looks like ${shape})`;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** `path received: message` ({@link showReceived}), as parseConfig prints an issue. */
export function formatConfigProblem(problem: ConfigProblem): string {
  const received = showReceived(problem.received);
  return received === undefined
    ? `${problem.path}: ${problem.message}`
    : `${problem.path} ${received}: ${problem.message}`;
}
