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
  // dev's example tenant moved off production's custom domain (one domain, one environment):
  // Cloudflare drops the Custom Hostname dev registered for it; production's stays.
  {
    type: "cloudflare:index/customHostname:CustomHostname",
    nameSuffix: "dev-dns-custom-agents.acme-corp.com",
  },
];

function isRemoved(urn: string): boolean {
  // urn:pulumi:{stack}::{project}::{type chain}::{name}
  const [, , typeChain = "", name = ""] = urn.split("::");
  const type = typeChain.split("$").pop() ?? "";
  return REMOVED.some((r) => r.type === type && name.endsWith(r.nameSuffix));
}

describe.each(STACKS)("stack %s keeps every recorded URN", (stack) => {
  it("adds no URN and drops only the removed ones", async () => {
    const run = await runStack(stack);
    const now = run.resources.map((r) => r.engineUrn).sort();
    const before = recorded[stack] ?? [];
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(now).size).toBe(now.length);
    expect(now.filter((u) => !before.includes(u))).toEqual([]);
    expect(before.filter((u) => !now.includes(u) && !isRemoved(u))).toEqual([]);
  });
});
