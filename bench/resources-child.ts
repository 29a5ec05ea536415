/**
 * Resource counts and the change set of adding one tenant, from the Platform under mocks, in a
 * fresh process: 1 and 2 tenants (resources per tenant), then the local stack's own tenants and
 * the same plus one (what `pulumi up` would touch).
 */
import { Platform } from "../components/platform";
import { runProgram, type RecordedResource } from "../testkit/mocks";
import { answer } from "./child";
import { diffRuns, type ResourceDiff } from "./diff";
import { benchTenant, benchTenantId, localConfigWith, localTenants } from "./platform-config";

/** The tenant the change-set run adds (a name the local stack does not use). */
export const ADDED_TENANT = "initech";

export interface ResourcesResult {
  readonly oneTenant: number;
  readonly twoTenants: number;
  /** Resource types and how many more of each a second tenant adds. */
  readonly perTenantTypes: Record<string, number>;
  readonly baseTenants: readonly string[];
  readonly addedTenant: string;
  readonly baseResources: number;
  readonly diff: ResourceDiff;
}

async function evaluate(tenants: readonly Record<string, unknown>[]) {
  const config = localConfigWith(tenants);
  const run = await runProgram(
    () => void new Platform("local", { config, projectRoot: `${__dirname}/..` }),
    { stack: "local" },
  );
  return run.resources;
}

function countByType(resources: readonly RecordedResource[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  return counts;
}

async function main(): Promise<ResourcesResult> {
  const one = await evaluate([benchTenant(benchTenantId(1))]);
  const two = await evaluate([benchTenant(benchTenantId(1)), benchTenant(benchTenantId(2))]);
  const oneTypes = countByType(one);
  const perTenantTypes: Record<string, number> = {};
  for (const [type, count] of countByType(two)) {
    const more = count - (oneTypes.get(type) ?? 0);
    if (more !== 0) perTenantTypes[type] = more;
  }

  const base = localTenants();
  const added = {
    id: ADDED_TENANT,
    plan: "starter",
    agentConfig: { model: "claude-sonnet-4-5", systemPrompt: "You help Initech staff." },
  };
  const before = await evaluate(base);
  const after = await evaluate([...base, added]);
  return {
    oneTenant: one.length,
    twoTenants: two.length,
    perTenantTypes,
    baseTenants: base.map((t) => String(t.id)),
    addedTenant: ADDED_TENANT,
    baseResources: before.length,
    diff: diffRuns(before, after),
  };
}

answer(main);
