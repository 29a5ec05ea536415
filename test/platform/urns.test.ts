/**
 * Names are a contract: a changed URN makes Pulumi delete the old resource and create a new one,
 * which for a tenant's namespace, role or database deletes its data. This suite records every URN
 * every stack file yields (test/platform/fixtures/urns.json, recorded before the scale work of
 * issue 12) and holds the program to it: no URN of a stack may appear that is not recorded, and a
 * recorded URN may only be missing when it is listed in REMOVED with what the next `pulumi up`
 * does to it, and a new one must be listed in ADDED.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACKS } from "../../testkit/stack-files";
import { runStack } from "./support";
import { AGENT_CLOUD, KUBERNETES, POSTGRESQL, PULUMI, RANDOM } from "../../testkit/type-tokens";

const FIXTURE = join(__dirname, "fixtures", "urns.json");
const recorded = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, string[]>;

interface UrnPattern {
  /** The type of its parent component; none for a resource at the stack's top. */
  readonly parent?: string;
  /** The resource's own type (the last of its type chain). */
  readonly type: string;
  /** The end of its logical name. */
  readonly nameSuffix: string;
  /** A name ending that is not meant, though it ends with `nameSuffix`. */
  readonly notSuffix?: string;
  /** What the next `pulumi up` of an existing stack does with it. */
  readonly why: string;
}

/** Resources removed on purpose. None holds data. */
const REMOVED: readonly UrnPattern[] = [
  {
    parent: AGENT_CLOUD.SharedDatabase,
    type: POSTGRESQL.Grant,
    nameSuffix: "-revoke-public",
    why: "replaced by `{name}-{id}-hardening` (SqlStatements), which revokes as a member of the owning role; deleting this Grant revokes PUBLIC's rights once more: nothing is reopened",
  },
  {
    parent: AGENT_CLOUD.TenantApp,
    type: KUBERNETES.ConfigMap,
    nameSuffix: "-config",
    why: "the agent config moved into the tenant's Secret; the ConfigMap is deleted after the pods roll onto the Secret's file",
  },
  {
    parent: AGENT_CLOUD.TenantApp,
    type: KUBERNETES.LimitRange,
    nameSuffix: "-limits",
    why: "every container states its resources; deleted, the quota still caps the namespace",
  },
  {
    parent: AGENT_CLOUD.SharedDatabase,
    type: RANDOM.RandomPassword,
    nameSuffix: "-password",
    notSuffix: "-admin-password",
    why: "tenant passwords derive from the stack's password key; deleted, each role's password is changed in place once",
  },
];

/** Resources added on purpose (new resources, never a renamed old one). */
const ADDED: readonly UrnPattern[] = [
  {
    parent: AGENT_CLOUD.SharedDatabase,
    type: AGENT_CLOUD.SqlStatements,
    nameSuffix: "-hardening",
    why: "per tenant: REVOKE PUBLIC as a member of the owning role, and the role's plan settings; created",
  },
  {
    parent: AGENT_CLOUD.SharedDatabase,
    type: KUBERNETES.NetworkPolicy,
    nameSuffix: "-database-network-policy",
    why: "the in-cluster database namespace admits only this environment's tenants and the admin path; created",
  },
  {
    parent: AGENT_CLOUD.ManagementProxy,
    type: KUBERNETES.ConfigMap,
    nameSuffix: "-proxy-routes",
    why: "the proxy's route table, a ConfigMap of its own so a tenant change reloads nginx in place; created",
  },
  {
    parent: AGENT_CLOUD.SharedDatabase,
    type: RANDOM.RandomPassword,
    nameSuffix: "-database-password-key",
    why: "the one stack-level key tenant database passwords derive from; created",
  },
  {
    type: PULUMI.StackReference,
    nameSuffix: "-last-update",
    why: "the stack reading its own last outputs before it registers anything (stacks/stack-identity.ts); read, nothing is created",
  },
];

function matches(patterns: readonly UrnPattern[], urn: string): boolean {
  const [, , typeChain = "", name = ""] = urn.split("::");
  const types = typeChain.split("$");
  const [type, parent] = [types.at(-1), types.at(-2)];
  return patterns.some(
    (r) =>
      r.type === type &&
      r.parent === parent &&
      name.endsWith(r.nameSuffix) &&
      (r.notSuffix === undefined || !name.endsWith(r.notSuffix)),
  );
}

describe.each(STACKS)("stack %s keeps every recorded URN", (stack) => {
  it("adds no URN and drops only the removed ones", async () => {
    const run = await runStack(stack);
    const now = run.resources.map((r) => r.engineUrn).sort();
    const before = recorded[stack] ?? [];
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(now).size).toBe(now.length);
    expect(now.filter((u) => !before.includes(u) && !matches(ADDED, u))).toEqual([]);
    expect(before.filter((u) => !now.includes(u) && !matches(REMOVED, u))).toEqual([]);
    // Each listed removal happens: the removed kinds are gone.
    expect(now.filter((u) => matches(REMOVED, u))).toEqual([]);
    expect(before.filter((u) => matches(REMOVED, u)).length).toBeGreaterThan(0);
  });
});
