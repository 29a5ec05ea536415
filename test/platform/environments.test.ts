/**
 * Stacks are environments, isolated from each other: dev and production built from their stack
 * files share no namespace, database, role or key, even when pointed at one cluster.
 */
import { describe, expect, it } from "vitest";
import type { RecordedResource } from "../../testkit/mocks";
import { runStack } from "./support";
import { KUBERNETES, POSTGRESQL } from "../../testkit/type-tokens";

function identities(resources: readonly RecordedResource[]) {
  const namespaces = new Set<string>();
  const roles = new Set<string>();
  const databases = new Set<string>();
  const apiKeys = new Set<string>();
  const names = new Set<string>();
  for (const r of resources) {
    names.add(r.name);
    const meta = r.inputs.metadata ?? {};
    if (r.type === KUBERNETES.Namespace) namespaces.add(meta.name);
    else if (meta.namespace !== undefined) namespaces.add(meta.namespace);
    if (r.type === POSTGRESQL.Role) roles.add(r.inputs.name);
    if (r.type === POSTGRESQL.Database) databases.add(r.inputs.name);
    const key = r.inputs.stringData?.AGENT_CLOUD_API_KEY;
    if (typeof key === "string") apiKeys.add(key);
  }
  return { namespaces, roles, databases, apiKeys, names };
}

const shared = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x));

describe("dev and production", () => {
  it("share no namespace, role, database, API key or resource name", async () => {
    const dev = identities((await runStack("dev")).resources);
    const prod = identities((await runStack("production")).resources);

    expect(dev.namespaces.size).toBeGreaterThanOrEqual(4);
    expect(shared(dev.namespaces, prod.namespaces)).toEqual([]);
    expect([...dev.roles].sort()).toEqual(["sp_dev_acme", "sp_dev_globex", "sp_dev_initech"]);
    expect(shared(dev.roles, prod.roles)).toEqual([]);
    expect(shared(dev.databases, prod.databases)).toEqual([]);
    expect(dev.apiKeys.size).toBe(3);
    expect(prod.apiKeys.size).toBe(4);
    expect([...dev.apiKeys].every((k) => k.startsWith("ac_dev_"))).toBe(true);
    expect([...prod.apiKeys].every((k) => k.startsWith("ac_production_"))).toBe(true);
    expect(shared(dev.apiKeys, prod.apiKeys)).toEqual([]);
    // Logical names carry the environment, so even one Pulumi state could not mix them up.
    expect(shared(dev.names, prod.names)).toEqual([]);
  });
});
