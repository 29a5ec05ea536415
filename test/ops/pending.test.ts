import { describe, expect, it } from "vitest";
import { status } from "../../ops/commands/status";
import { groupPending, type PreviewStep } from "../../ops/plans/pending";
import { testContext } from "../../testkit/ops/fakes";
import { devStack, URN } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";
import { AGENT_CLOUD, KUBERNETES, POSTGRESQL } from "../../testkit/type-tokens";

const P = "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform";
const step = (op: string, chain: string, type: string, name: string): PreviewStep => ({
  op,
  urn: `${P}$${chain}$${type}::${name}`,
  type,
});
const STEPS: PreviewStep[] = [
  { op: "update", urn: URN.acmeDeployment, type: KUBERNETES.Deployment },
  { op: "update", urn: URN.bigAcmeDeployment, type: KUBERNETES.Deployment },
  step("create", AGENT_CLOUD.TenantApp, KUBERNETES.Job, "dev-tenant-big-acme-migrate"),
  step("update", AGENT_CLOUD.ManagementProxy, KUBERNETES.ConfigMap, "dev-proxy-routes"),
  step("replace", AGENT_CLOUD.ManagementProxy, KUBERNETES.Deployment, "dev-proxy-deployment"),
  step("create", AGENT_CLOUD.SharedDatabase, POSTGRESQL.Role, "dev-database-globex-role"),
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
      { label: "database (tenant globex)", changes: ["+ Role dev-database-globex-role"] },
    ]);
  });
});

describe("status lists what will change", () => {
  it("prints the pending changes per tenant and shared component under the counts", async () => {
    const engine = new MemoryEngine({
      dev: devStack({
        previewChanges: { update: 4, create: 2, replace: 1, same: 30 },
        previewSteps: STEPS,
      }),
    });
    const ctx = testContext(engine);
    await status(ctx, { stack: "dev", skipPreview: false });
    const at = ctx.stdout.lines.findIndex((l) => l.startsWith("pending changes:"));
    expect(ctx.stdout.lines.slice(at, at + 7)).toEqual([
      "pending changes: 2 to create, 4 to update, 1 to replace (30 unchanged) (run deploy to apply them)",
      "  tenant acme: ~ Deployment dev-tenant-acme-deployment",
      "  tenant big-acme: ~ Deployment dev-tenant-big-acme-deployment, + Job dev-tenant-big-acme-migrate",
      "  route table: ~ ConfigMap dev-proxy-routes",
      "  edge proxy: +- Deployment dev-proxy-deployment",
      "  database: ~ StatefulSet dev-database-postgres",
      "  database (tenant globex): + Role dev-database-globex-role",
    ]);
  });
});
