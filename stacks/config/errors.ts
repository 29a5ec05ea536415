import type { z } from "zod";
import { closestKey, expectedName, knownKeysAt, schemaAt } from "./describe";

/** One problem in a stack's config: where, what was there, and what is allowed. */
export interface ConfigIssue {
  /** Path in `agent-cloud:` config, e.g. `tenants[3].id`. */
  readonly path: string;
  /** The offending value as shown to the user (already redacted for secrets), or undefined. */
  readonly received?: string;
  readonly message: string;
}

/** Thrown by parseConfig with every problem found, so one `pulumi up` shows them all. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `agent-cloud config is invalid (${issues.length} ${issues.length === 1 ? "problem" : "problems"}):\n` +
        issues.map((i) => `  - ${formatIssue(i)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === "" ? "config" : issue.path;
  return issue.received === undefined
    ? `${where}: ${issue.message}`
    : `${where} ${issue.received}: ${issue.message}`;
}

/** `["tenants", 3, "id"]` → `tenants[3].id` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const key = String(segment);
      if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `[${JSON.stringify(key)}]`;
      return index === 0 ? key : `.${key}`;
    })
    .join("");
}

/** How a received value is quoted in an error: JSON, cut short so a pasted blob stays readable. */
export function showValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** "text", "a number", "a list", "a map": what a received value is, in people's words. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "text";
  if (typeof value === "object") return "a map";
  return `${typeof value === "boolean" ? "true/false" : `a ${typeof value}`}`;
}

/**
 * zod's issue, in our words ("must be an email address"), with the received value from the raw
 * config. `schema` is the root schema the issue came from: it names what a key accepts and
 * suggests the closest key for an unknown one.
 */
export function fromZodIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  isSecretPath: (path: readonly PropertyKey[]) => boolean,
  schema?: z.ZodType,
): ConfigIssue {
  const path = issue.path;
  const value = valueAt(raw, path);
  const received = isSecretPath(path)
    ? value === undefined
      ? undefined
      : "[secret]"
    : showValue(value);
  switch (issue.code) {
    case "invalid_type": {
      const expected = expectedName(
        schema === undefined ? undefined : schemaAt(schema, path, raw),
        issue.expected,
      );
      return {
        path: formatPath(path),
        received,
        message:
          value === undefined
            ? `is required and must be ${expected}`
            : `must be ${expected}, not ${kindOf(value)}`,
      };
    }
    case "invalid_value":
      return {
        path: formatPath(path),
        received,
        message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "invalid_union": {
      // A discriminated union reports a bad or missing discriminator this way.
      const options = (issue as { options?: unknown[] }).options;
      return {
        path: formatPath(path),
        received,
        message: options
          ? `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`
          : issue.message,
      };
    }
    case "too_big":
    case "too_small": {
      // A bound with its own message in the schema keeps it.
      if (!/^Too (big|small)/.test(issue.message)) {
        return { path: formatPath(path), received, message: issue.message };
      }
      const bound = issue.code === "too_big" ? issue.maximum : issue.minimum;
      const word = issue.code === "too_big" ? "at most" : "at least";
      const unit =
        issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
      return {
        path: formatPath(path),
        received,
        message: `must be ${word} ${String(bound)}${unit}`,
      };
    }
    case "unrecognized_keys": {
      const known = schema === undefined ? [] : knownKeysAt(schema, path, raw);
      const keys = issue.keys.map((k) => {
        const near = closestKey(k, known);
        return near === undefined
          ? JSON.stringify(k)
          : `${JSON.stringify(k)} (did you mean "${near}"?)`;
      });
      return {
        path: formatPath(path),
        received: undefined,
        message: `unknown ${issue.keys.length === 1 ? "key" : "keys"} ${keys.join(", ")}; see the config reference in README.md`,
      };
    }
    case "invalid_key":
      return {
        path: formatPath(path),
        received: undefined,
        message: `key ${showValue(path[path.length - 1])} ${issue.issues[0]?.message ?? issue.message}`,
      };
    case "invalid_format":
    case "custom":
    default:
      return { path: formatPath(path), received, message: issue.message };
  }
}
