/** Production guards, and that they stay out of other environments: through the real analyzer. */
import { describe, expect, it } from "vitest";
import { urnOf, type PackContext, type TestResource } from "../analyzer";
import {
  deployment,
  edge,
  expectClean,
  expectViolation,
  podSpec,
  PROXY_IMAGE,
  tenant,
} from "../fixtures";
import { AGENT_CLOUD, KUBERNETES, POSTGRESQL } from "../../../testkit/type-tokens";

/** Registers the suite; `ctx.pack` is the running pack (set in beforeAll). */
export function productionSuite(ctx: PackContext): void {
  const TAG_ONLY = "ghcr.io/systempromptio/systemprompt-template:1.4.0";

  describe("production-images-by-digest", () => {
    const POLICY = "production-images-by-digest";

    it("passes digest-pinned images in production, and tags outside production", async () => {
      expectClean(await ctx.pack.analyze(deployment("sp-acme", "production-tenant-acme")));
      expectClean(
        await ctx.pack.analyze(deployment("sp-acme", "dev-tenant-acme", podSpec(TAG_ONLY))),
      );
    });

    it("fails a tag-only image in a production namespace", async () => {
      expectViolation(
        await ctx.pack.analyze(deployment("sp-acme", "production-tenant-acme", podSpec(TAG_ONLY))),
        POLICY,
        `Deployment "production-tenant-acme/sp-acme" container "app" runs image "${TAG_ONLY}", which is not pinned by digest`,
        "repository@sha256:<digest>",
      );
    });

    it("fails a production workload recognized by its environment label alone", async () => {
      const job: TestResource = {
        type: KUBERNETES.Job,
        name: "migrate",
        props: {
          metadata: {
            name: "migrate",
            namespace: "ops",
            labels: { "agent-cloud.io/environment": "production" },
          },
          spec: { template: { spec: podSpec("postgres:17.6") } },
        },
      };
      expectViolation(
        await ctx.pack.analyze(job),
        POLICY,
        'Job "ops/migrate" container "app" runs image "postgres:17.6"',
      );
    });
  });

  describe("production-proxy-replicas", () => {
    const POLICY = "production-proxy-replicas";
    const proxy = (extra: Record<string, unknown>) =>
      deployment("edge-proxy", "production-edge", podSpec(PROXY_IMAGE), extra);

    it("passes two proxy replicas in production, and one outside production", async () => {
      expectClean(await ctx.pack.analyze(proxy({ replicas: 2 })));
      expectClean(
        await ctx.pack.analyze(
          deployment("edge-proxy", "dev-edge", podSpec(PROXY_IMAGE), { replicas: 1 }),
        ),
      );
      // Only the edge namespace's Deployment is the proxy.
      expectClean(
        await ctx.pack.analyze(
          deployment("sp-acme", "production-tenant-acme", podSpec(), { replicas: 1 }),
        ),
      );
    });

    it("fails one replica, and an unset replica count (Kubernetes defaults it to 1)", async () => {
      expectViolation(
        await ctx.pack.analyze(proxy({ replicas: 1 })),
        POLICY,
        'Deployment "production-edge/edge-proxy" is the edge proxy and runs 1 replica.',
        "set spec.replicas to at least 2",
      );
      const unset = proxy({});
      delete (unset.props.spec as Record<string, unknown>).replicas;
      expectViolation(
        await ctx.pack.analyze(unset),
        POLICY,
        "runs 1 replica (spec.replicas unset)",
      );
    });
  });

  describe("production-database-protected", () => {
    const POLICY = "production-database-protected";
    const SHARED = { type: AGENT_CLOUD.SharedDatabase, name: "db" };
    const sharedUrn = urnOf(SHARED);
    const stack = (protect: boolean): TestResource[] => [
      ...edge("production"),
      ...tenant("production", "acme"),
      { ...SHARED, props: {}, opts: { protect } },
      {
        type: POSTGRESQL.Database,
        name: "acme-db",
        props: { name: "sp_acme" },
        opts: { protect },
        parent: sharedUrn,
      },
      {
        ...deployment("db-postgres", "production-database"),
        type: KUBERNETES.StatefulSet,
        opts: { protect },
        parent: sharedUrn,
      },
    ];

    it("passes protected databases and database StatefulSet", async () => {
      const result = await ctx.pack.analyzeStack(stack(true));
      expectClean(result);
    });

    it("fails an unprotected PostgreSQL database and StatefulSet, on each resource", async () => {
      const result = await ctx.pack.analyzeStack(stack(false));
      expectViolation(
        result,
        POLICY,
        'PostgreSQL database "sp_acme" (Pulumi resource "acme-db") is not protected',
        "{ protect: true }",
      );
      expectViolation(
        result,
        POLICY,
        'StatefulSet "production-database/db-postgres" runs the in-cluster PostgreSQL and is not protected',
      );
      expect(new Set(result.diagnostics.map((d) => d.urn))).toEqual(
        new Set([
          `urn:pulumi:test::agent-cloud::agent-cloud:data:SharedDatabase$${POSTGRESQL.Database}::acme-db`,
          `urn:pulumi:test::agent-cloud::agent-cloud:data:SharedDatabase$${KUBERNETES.StatefulSet}::db-postgres`,
        ]),
      );
    });
  });
}
