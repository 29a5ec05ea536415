/**
 * Names are a contract: a changed URN makes Pulumi delete the old resource and create a new one,
 * which for a tenant's namespace, role or database deletes its data. This suite records every URN
 * every stack file yields (test/platform/fixtures/urns.json, recorded before the scale work of
 * issue 12) and holds the program to it: no URN of a stack may appear that is not recorded, and a
 * recorded URN may only be missing when it is listed in REMOVED with what the next `pulumi up`
 * does to it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACKS } from "../support/stack-files";
import { runStack } from "./support";

const FIXTURE = join(__dirname, "fixtures", "urns.json");
const recorded = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, string[]>;

/**
 * Resources removed on purpose, by type and the end of their logical name. The next `pulumi up`
 * deletes each one; none holds data (see the README, "Resources per tenant").
 */
export const REMOVED: readonly { readonly type: string; readonly nameSuffix: string }[] = [
  // Replaced by `{name}-{id}-hardening` (SqlStatements), which revokes as a member of the owning
  // role. Deleting this Grant revokes PUBLIC's rights once more: nothing is reopened.
  { type: "postgresql:index/grant:Grant", nameSuffix: "-revoke-public" },
];

/**
 * Resources added on purpose (new resources, never a renamed old one), by type and the end of
 * their logical name.
 */
export const ADDED: readonly { readonly type: string; readonly nameSuffix: string }[] = [
  // The proxy's route table, a ConfigMap of its own so a tenant change reloads nginx in place.
  { type: "kubernetes:core/v1:ConfigMap", nameSuffix: "-proxy-routes" },
  // Per tenant: REVOKE PUBLIC as a member of the owning role, and the role's plan settings.
  { type: "pulumi-nodejs:dynamic/agent-cloud:SqlStatements", nameSuffix: "-hardening" },
  // The in-cluster database namespace admits only this environment's tenants and the admin path.
  { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", nameSuffix: "-database-network-policy" },
];

function matches(
  urn: string,
  list: readonly { readonly type: string; readonly nameSuffix: string }[],
): boolean {
  const [, , typeChain = "", name = ""] = urn.split("::");
  const type = typeChain.split("$").pop() ?? "";
  return list.some((r) => r.type === type && name.endsWith(r.nameSuffix));
}

const isRemoved = (urn: string) => matches(urn, REMOVED);

describe.each(STACKS)("stack %s keeps every recorded URN", (stack) => {
  it("adds no URN and drops only the removed ones", async () => {
    const run = await runStack(stack);
    const now = run.resources.map((r) => r.engineUrn).sort();
    const before = recorded[stack] ?? [];
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(now).size).toBe(now.length);
    expect(now.filter((u) => !before.includes(u) && !matches(u, ADDED))).toEqual([]);
    expect(before.filter((u) => !now.includes(u) && !isRemoved(u))).toEqual([]);
  });
});
