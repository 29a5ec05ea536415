import { describe, expect, it } from "vitest";
import { status } from "../../ops/commands/status";
import { groupPending, type PendingGroup, type PreviewStep } from "../../ops/plans/pending";
import { testContext } from "../../testkit/ops/fakes";
import { devStack, URN } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";
import { AGENT_CLOUD, KUBERNETES, POSTGRESQL, RANDOM } from "../../testkit/type-tokens";

const PLATFORM_URN = "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform";
const step = (op: string, chain: string, type: string, name: string): PreviewStep => ({
  op,
  urn: `${PLATFORM_URN}$${chain}$${type}::${name}`,
  type,
});
/** The URN of the TenantApp component `{env}-tenant-{id}` of the dev stack. */
const tenantApp = (name: string) => `${PLATFORM_URN}$${AGENT_CLOUD.TenantApp}::${name}`;
/** A step of a TenantApp child, with its parent as the engine reports it. */
const tenantChild = (op: string, component: string, type: string, name: string): PreviewStep => ({
  ...step(op, AGENT_CLOUD.TenantApp, type, name),
  parent: tenantApp(component),
});
const STEPS: PreviewStep[] = [
  { op: "update", urn: URN.acmeDeployment, type: KUBERNETES.Deployment, parent: URN.acme },
  { op: "update", urn: URN.bigAcmeDeployment, type: KUBERNETES.Deployment, parent: URN.bigAcme },
  tenantChild("create", "dev-tenant-big-acme", KUBERNETES.Job, "dev-tenant-big-acme-migrate"),
  step("update", AGENT_CLOUD.ManagementProxy, KUBERNETES.ConfigMap, "dev-proxy-routes"),
  step("replace", AGENT_CLOUD.ManagementProxy, KUBERNETES.Deployment, "dev-proxy-deployment"),
  step("create", AGENT_CLOUD.SharedDatabase, POSTGRESQL.Role, "dev-database-globex-role"),
  // A retained database taken over (deploy --adopt-database).
  step("import", AGENT_CLOUD.SharedDatabase, POSTGRESQL.Database, "dev-database-acme-database"),
  step("update", AGENT_CLOUD.SharedDatabase, KUBERNETES.StatefulSet, "dev-database-postgres"),
  step(
    "delete-replaced",
    AGENT_CLOUD.ManagementProxy,
    KUBERNETES.Deployment,
    "dev-proxy-deployment",
  ),
];

describe("groupPending", () => {
  it("groups by tenant (longest id first), route table, edge, database, and skips bookkeeping steps", () => {
    expect(groupPending(STEPS, ["acme", "big-acme", "globex"])).toEqual([
      { label: "tenant acme", changes: ["~ Deployment dev-tenant-acme-deployment"] },
      {
        label: "tenant big-acme",
        changes: [
          "~ Deployment dev-tenant-big-acme-deployment",
          "+ Job dev-tenant-big-acme-migrate",
        ],
      },
      { label: "route table", changes: ["~ ConfigMap dev-proxy-routes"] },
      { label: "edge proxy", changes: ["+- Deployment dev-proxy-deployment"] },
      { label: "database", changes: ["~ StatefulSet dev-database-postgres"] },
      { label: "database (tenant acme)", changes: ["= Database dev-database-acme-database"] },
      { label: "database (tenant globex)", changes: ["+ Role dev-database-globex-role"] },
    ]);
  });
});

describe("groupPending at one stack's largest size", () => {
  it("files 5,000 tenants' changes each under its own tenant, ids that nest in others included", () => {
    // t-2 nests in t-2-1 and t-20 nests in t-20-1: each step must still land on its own tenant.
    const ids = Array.from({ length: 5_000 }, (_, i) => (i % 2 === 0 ? `t-${i}` : `t-${i >> 1}-1`));
    const steps = ids.flatMap((id) => [
      tenantChild("update", `dev-tenant-${id}`, KUBERNETES.Deployment, `dev-tenant-${id}-app`),
      step("create", AGENT_CLOUD.SharedDatabase, POSTGRESQL.Role, `dev-database-${id}-role`),
    ]);
    const groups = groupPending(steps, ids);
    expect(groups).toHaveLength(10_000);
    expect(groups.slice(0, 2)).toEqual([
      { label: "tenant t-0", changes: ["~ Deployment dev-tenant-t-0-app"] },
      { label: "tenant t-0-1", changes: ["~ Deployment dev-tenant-t-0-1-app"] },
    ]);
    for (const [i, id] of ids.entries()) {
      expect(groups[i]).toEqual({
        label: `tenant ${id}`,
        changes: [`~ Deployment dev-tenant-${id}-app`],
      });
      expect(groups[5_000 + i]).toEqual({
        label: `database (tenant ${id})`,
        changes: [`+ Role dev-database-${id}-role`],
      });
    }
  });
});

describe("groupPending files each step under the tenant whose TenantApp it belongs to", () => {
  const TENANTS = ["acme", "acme-api", "big-acme", "globex"];
  it.each<{ what: string; step: PreviewStep; group: PendingGroup; tenants?: string[] }>([
    {
      what: "acme's API key, though its name starts with acme-api's component name",
      step: tenantChild(
        "replace",
        "dev-tenant-acme",
        RANDOM.RandomPassword,
        "dev-tenant-acme-api-key",
      ),
      group: { label: "tenant acme", changes: ["+- RandomPassword dev-tenant-acme-api-key"] },
    },
    {
      what: "acme-api's API key",
      step: tenantChild(
        "replace",
        "dev-tenant-acme-api",
        RANDOM.RandomPassword,
        "dev-tenant-acme-api-api-key",
      ),
      group: {
        label: "tenant acme-api",
        changes: ["+- RandomPassword dev-tenant-acme-api-api-key"],
      },
    },
    {
      what: "acme-api's Deployment",
      step: tenantChild(
        "update",
        "dev-tenant-acme-api",
        KUBERNETES.Deployment,
        "dev-tenant-acme-api-deployment",
      ),
      group: { label: "tenant acme-api", changes: ["~ Deployment dev-tenant-acme-api-deployment"] },
    },
    {
      what: "acme's Deployment",
      step: tenantChild(
        "update",
        "dev-tenant-acme",
        KUBERNETES.Deployment,
        "dev-tenant-acme-deployment",
      ),
      group: { label: "tenant acme", changes: ["~ Deployment dev-tenant-acme-deployment"] },
    },
    {
      what: "big-acme's Namespace, deleted (the engine reports the old state's parent)",
      step: tenantChild(
        "delete",
        "dev-tenant-big-acme",
        KUBERNETES.Namespace,
        "dev-tenant-big-acme-namespace",
      ),
      group: { label: "tenant big-acme", changes: ["- Namespace dev-tenant-big-acme-namespace"] },
    },
    {
      what: "acme-api's TenantApp component itself",
      step: {
        op: "create",
        urn: tenantApp("dev-tenant-acme-api"),
        type: AGENT_CLOUD.TenantApp,
        parent: PLATFORM_URN,
      },
      group: { label: "tenant acme-api", changes: ["+ TenantApp dev-tenant-acme-api"] },
    },
    {
      what: "a child of a tenant the stack file no longer lists",
      step: tenantChild(
        "delete",
        "dev-tenant-initech",
        KUBERNETES.Deployment,
        "dev-tenant-initech-deployment",
      ),
      group: { label: "other", changes: ["- Deployment dev-tenant-initech-deployment"] },
    },
    {
      what: "a TenantApp child whose parent the engine did not report",
      step: step(
        "update",
        AGENT_CLOUD.TenantApp,
        KUBERNETES.Deployment,
        "dev-tenant-acme-deployment",
      ),
      group: { label: "other", changes: ["~ Deployment dev-tenant-acme-deployment"] },
    },
    {
      what: "the stack's API-key seed, a child of the platform",
      step: {
        op: "create",
        urn: `${PLATFORM_URN}$${RANDOM.RandomPassword}::dev-api-key-seed`,
        type: RANDOM.RandomPassword,
        parent: PLATFORM_URN,
      },
      group: { label: "other", changes: ["+ RandomPassword dev-api-key-seed"] },
    },
    {
      what: "acme-api's database role",
      step: step(
        "create",
        AGENT_CLOUD.SharedDatabase,
        POSTGRESQL.Role,
        "dev-database-acme-api-role",
      ),
      group: {
        label: "database (tenant acme-api)",
        changes: ["+ Role dev-database-acme-api-role"],
      },
    },
    {
      what: "acme's database role",
      step: step("create", AGENT_CLOUD.SharedDatabase, POSTGRESQL.Role, "dev-database-acme-role"),
      group: { label: "database (tenant acme)", changes: ["+ Role dev-database-acme-role"] },
    },
    {
      what: "acme's role while a tenant is named acme-role",
      step: step("create", AGENT_CLOUD.SharedDatabase, POSTGRESQL.Role, "dev-database-acme-role"),
      group: { label: "database (tenant acme)", changes: ["+ Role dev-database-acme-role"] },
      tenants: [...TENANTS, "acme-role"],
    },
    {
      what: "the server's own hardening, which names no tenant",
      step: step(
        "update",
        AGENT_CLOUD.SharedDatabase,
        AGENT_CLOUD.SqlStatements,
        "dev-database-server-hardening",
      ),
      group: { label: "database", changes: ["~ SqlStatements dev-database-server-hardening"] },
    },
    {
      what: "acme's hardening in a shard whose name holds -database-",
      step: step(
        "update",
        AGENT_CLOUD.TenantDatabases,
        AGENT_CLOUD.SqlStatements,
        "dev-database-a-database-acme-hardening",
      ),
      group: {
        label: "database (tenant acme)",
        changes: ["~ SqlStatements dev-database-a-database-acme-hardening"],
      },
    },
    {
      what: "acme's database in a shard stack's TenantDatabases",
      step: step(
        "update",
        AGENT_CLOUD.TenantDatabases,
        POSTGRESQL.Database,
        "dev-database-acme-database",
      ),
      group: {
        label: "database (tenant acme)",
        changes: ["~ Database dev-database-acme-database"],
      },
    },
  ])("$what: $group.label", ({ step: one, group, tenants }) => {
    expect(groupPending([one], tenants ?? TENANTS)).toEqual([group]);
  });
});

describe("status lists what will change", () => {
  it("prints the pending changes per tenant and shared component under the counts", async () => {
    const engine = new MemoryEngine({
      dev: devStack({
        previewChanges: { update: 4, create: 2, replace: 1, import: 1, same: 30 },
        previewSteps: STEPS,
      }),
    });
    const ctx = testContext(engine);
    await status(ctx, { stack: "dev", skipPreview: false });
    const at = ctx.stdout.lines.findIndex((l) => l.startsWith("pending changes:"));
    expect(ctx.stdout.lines.slice(at, at + 8)).toEqual([
      "pending changes: 2 to create, 4 to update, 1 to replace, 1 to import (30 unchanged) (run deploy to apply them)",
      "  tenant acme: ~ Deployment dev-tenant-acme-deployment",
      "  tenant big-acme: ~ Deployment dev-tenant-big-acme-deployment, + Job dev-tenant-big-acme-migrate",
      "  route table: ~ ConfigMap dev-proxy-routes",
      "  edge proxy: +- Deployment dev-proxy-deployment",
      "  database: ~ StatefulSet dev-database-postgres",
      "  database (tenant acme): = Database dev-database-acme-database",
      "  database (tenant globex): + Role dev-database-globex-role",
    ]);
  });
});
