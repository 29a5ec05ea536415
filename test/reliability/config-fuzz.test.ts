/**
 * Property-based fuzzing of parseConfig: whatever an operator (or a broken merge) puts in a
 * stack file, the program either gets a valid config or one ConfigError that lists problems,
 * never a crash (TypeError and friends) and never a half-valid config.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/errors";
import { parseConfig } from "../../stacks/config/parse";
import { SECRET_KEYS } from "../../model/config-schema";
import { rawConfig, STACKS } from "../../testkit/stack-files";

/** Runs parseConfig and classifies the outcome; anything but these two fails the property. */
function outcome(raw: unknown, secretKeys: string[] = []): "valid" | "refused" {
  try {
    const c = parseConfig(raw as Record<string, unknown>, { secretKeys });
    const ids = c.tenants.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of c.tenants) {
      expect(t.plan).toBeDefined();
      expect(t.hosts[0]).toBe(`${t.id}.${c.domain}`);
      expect(t.replicas).toBeLessThanOrEqual(t.plan.maxReplicas);
    }
    return "valid";
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.issues.length).toBeGreaterThan(0);
    for (const issue of e.issues) expect(issue.message).toMatch(/\S/);
    expect(e.message.split("\n")).toHaveLength(e.issues.length + 1);
    return "refused";
  }
}

const jsonish = fc.jsonValue({ maxDepth: 4 });
const keys = fc.constantFrom(
  "environment",
  "domain",
  "dns",
  "tls",
  "proxy",
  "database",
  "image",
  "app",
  "plans",
  "tenants",
  ...SECRET_KEYS,
);

/** Sets a value at a random path inside a valid stack config. */
function mutate(base: Record<string, unknown>, path: (string | number)[], value: unknown) {
  const copy = structuredClone(base) as Record<string, any>;
  let node: any = copy;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return copy;
    node[key] ??= {};
    node = node[key];
  }
  if (node !== null && typeof node === "object") node[path[path.length - 1] as string] = value;
  return copy;
}

const pathInto = fc.array(
  fc.oneof(
    fc.constantFrom(
      "tenants",
      "id",
      "plan",
      "replicas",
      "customDomains",
      "env",
      "agentConfig",
      "mode",
      "proxy",
      "tls",
      "database",
      "image",
      "ref",
    ),
    fc.nat(3),
  ),
  { minLength: 1, maxLength: 4 },
);

describe("parseConfig under fuzzing", () => {
  it("never crashes on arbitrary JSON", () => {
    fc.assert(
      fc.property(jsonish, (raw) => void outcome(raw)),
      { numRuns: 500 },
    );
  });

  it("never crashes on arbitrary objects over the real keys", () => {
    fc.assert(
      fc.property(
        fc.dictionary(keys, jsonish),
        fc.subarray([...SECRET_KEYS]),
        (raw, secret) => void outcome(raw, secret),
      ),
      { numRuns: 500 },
    );
  });

  it.each(STACKS)("never crashes on random edits of Pulumi.%s.yaml", (stack) => {
    const { raw, secretKeys } = rawConfig(stack);
    expect(outcome(raw, secretKeys)).toBe("valid");
    fc.assert(
      fc.property(
        pathInto,
        jsonish,
        (path, value) => void outcome(mutate(raw, path, value), secretKeys),
      ),
      { numRuns: 300 },
    );
  });
});
