import type { z } from "zod";
import { showReceived } from "../../model/rules/config-problem";
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
  constructor(
    readonly issues: readonly ConfigIssue[],
    /** What the list is about: the config, or (stacks/stack-identity.ts) a stack refusing it. */
    heading = "agent-cloud config is invalid",
  ) {
    super(
      `${heading} (${issues.length} ${issues.length === 1 ? "problem" : "problems"}):\n` +
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

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** "text", "a number", "a list", "a map": what a received value is, in people's words. */
function kindInWords(value: unknown): string {
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
  const value = valueAt(raw, issue.path);
  // An unknown key or a bad map key is about the key, not the value under it.
  const aboutKeys = issue.code === "unrecognized_keys" || issue.code === "invalid_key";
  const received = aboutKeys
    ? undefined
    : isSecretPath(issue.path)
      ? value === undefined
        ? undefined
        : "[secret]"
      : showReceived(value);
  return {
    path: formatPath(issue.path),
    received,
    message: zodIssueMessage(issue, value, raw, schema),
  };
}

/** What a zod issue says, in our words. */
function zodIssueMessage(
  issue: z.core.$ZodIssue,
  value: unknown,
  raw: unknown,
  schema: z.ZodType | undefined,
): string {
  switch (issue.code) {
    case "invalid_type": {
      const expected = expectedName(
        schema === undefined ? undefined : schemaAt(schema, issue.path, raw),
        issue.expected,
      );
      if (value === undefined) return `is required and must be ${expected}`;
      // A number failing `.int()` is reported as the wrong type (a top-level one arrives as text).
      const fraction = issue.expected === "int" && Number.isFinite(Number(value));
      return `must be ${expected}, not ${fraction ? "a fraction" : kindInWords(value)}`;
    }
    case "invalid_value":
      return oneOfMessage(issue.values);
    case "invalid_union": {
      // A discriminated union reports a bad or missing discriminator this way.
      const options = (issue as { options?: unknown[] }).options;
      if (options) return oneOfMessage(options);
      // A union of literals reports one invalid_value per member.
      const values = issue.errors.map((errors) =>
        errors.length === 1 && errors[0]?.code === "invalid_value" ? errors[0].values : undefined,
      );
      return values.every((v) => v !== undefined) ? oneOfMessage(values.flat()) : issue.message;
    }
    case "too_big":
    case "too_small":
      return boundMessage(issue);
    case "unrecognized_keys":
      return unknownKeysMessage(
        issue.keys,
        schema === undefined ? [] : knownKeysAt(schema, issue.path, raw),
      );
    case "invalid_key":
      return `key ${showReceived(issue.path[issue.path.length - 1])} ${issue.issues[0]?.message ?? issue.message}`;
    case "invalid_format":
    case "custom":
    default:
      return issue.message;
  }
}

function oneOfMessage(values: readonly unknown[]): string {
  return `must be one of ${values.map((allowed) => JSON.stringify(allowed)).join(", ")}`;
}

/** "must be at most 40 characters"; a bound with its own message in the schema keeps it. */
function boundMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  if (!/^Too (big|small)/.test(issue.message)) return issue.message;
  const bound = issue.code === "too_big" ? issue.maximum : issue.minimum;
  const word = issue.code === "too_big" ? "at most" : "at least";
  const unit = issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
  return `must be ${word} ${String(bound)}${unit}`;
}

/** Unknown keys, each with the closest known key when it looks like a typo of one. */
function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const named = keys.map((key) => {
    const near = closestKey(key, known);
    const shown = showReceived(key) as string;
    return near === undefined ? shown : `${shown} (did you mean "${near}"?)`;
  });
  return `unknown ${keys.length === 1 ? "key" : "keys"} ${named.join(", ")}; see the config reference in README.md`;
}
