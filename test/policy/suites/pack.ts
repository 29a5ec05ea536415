/**
 * The pack as a whole, through the real analyzer: what it announces, that a complete compliant
 * stack passes every rule, how production is recognized, and preview's unknown values.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { POLICY_DIR, unknown, type PackContext, type TestResource } from "../analyzer";
import { dnsRecord, edge, expectClean, expectViolation, PROXY_IP, tenant } from "../fixtures";
import { KUBERNETES, POSTGRESQL } from "../../../testkit/type-tokens";

/** Registers the suite; `ctx.pack` is the running pack (set in beforeAll). */
export function packSuite(ctx: PackContext): void {
  const ALL_POLICIES = [
    "tls-only-in-edge-namespace",
    "dns-targets-proxy-only",
    "tenant-namespace-default-deny",
    "tenant-network-policies-kubernetes-only",
    "tenant-namespace-quota",
    "tenant-namespace-restricted-pod-security",
    "pod-no-privileged-containers",
    "pod-run-as-non-root",
    "pod-no-host-access",
    "production-images-by-digest",
    "production-proxy-replicas",
    "production-database-protected",
    "no-plaintext-secrets",
  ];

  function productionStack(): TestResource[] {
    return [
      ...edge("production"),
      ...tenant("production", "acme"),
      ...tenant("production", "globex"),
      dnsRecord("*.agents.example.com", PROXY_IP),
      dnsRecord("agents.example.com", PROXY_IP),
      dnsRecord("proxy.agents.example.com", PROXY_IP),
      dnsRecord("chat.acme.com", "proxy.agents.example.com", "CNAME"),
      dnsRecord("_acme-challenge.agents.example.com", "token-value", "TXT"),
      {
        type: POSTGRESQL.Database,
        name: "acme-db",
        props: { name: "sp_acme" },
        opts: { protect: true },
      },
      {
        type: POSTGRESQL.Database,
        name: "globex-db",
        props: { name: "sp_globex" },
        opts: { protect: true },
      },
    ];
  }

  describe("policy pack", () => {
    it("announces every rule, mandatory, under its package.json version", async () => {
      const info = await ctx.pack.info();
      const pkg = JSON.parse(readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")) as {
        version: string;
      };
      expect(info.name).toBe("agent-cloud");
      expect(info.version).toBe(pkg.version);
      expect(info.policies.map((p) => p.name).sort()).toEqual([...ALL_POLICIES].sort());
      expect(info.policies.every((p) => p.level === 1 /* MANDATORY */)).toBe(true);
    });

    it("passes a complete production stack, resource by resource and as a stack", async () => {
      const stack = productionStack();
      for (const resource of stack) expectClean(await ctx.pack.analyze(resource));
      const result = await ctx.pack.analyzeStack(stack);
      expectClean(result);
      expect(result.notApplicable.has("production-database-protected")).toBe(false);
    });

    it("recognizes production by namespace names alone, without environment labels", async () => {
      const stack = productionStack().map((resource) =>
        resource.type === KUBERNETES.Namespace
          ? {
              ...resource,
              props: {
                metadata: {
                  ...(resource.props.metadata as object),
                  labels: { "pod-security.kubernetes.io/enforce": "restricted" },
                },
              },
            }
          : resource,
      );
      stack.push({ type: POSTGRESQL.Database, name: "unprotected", props: { name: "sp_x" } });
      expectViolation(await ctx.pack.analyzeStack(stack), "production-database-protected", "sp_x");
    });

    it("recognizes production by the environment label alone", async () => {
      const stack: TestResource[] = [
        {
          type: KUBERNETES.Namespace,
          name: "ns",
          props: {
            metadata: { name: "apps", labels: { "agent-cloud.io/environment": "production" } },
          },
        },
        { type: POSTGRESQL.Database, name: "unprotected", props: { name: "sp_x" } },
      ];
      expectViolation(await ctx.pack.analyzeStack(stack), "production-database-protected", "sp_x");
    });

    it("leaves production rules out of a dev stack and says why", async () => {
      const stack = [
        ...edge("dev"),
        ...tenant("dev", "acme"),
        { type: POSTGRESQL.Database, name: "acme-db", props: { name: "sp_acme" } },
      ];
      const result = await ctx.pack.analyzeStack(stack);
      expectClean(result);
      expect(result.notApplicable.get("production-database-protected")).toBe(
        "environment dev is not production",
      );
      const proxy = stack.find((r) => r.name === "edge-proxy")!;
      const one = {
        ...proxy,
        props: { ...proxy.props, spec: { ...(proxy.props.spec as object), replicas: 1 } },
      };
      expectClean(await ctx.pack.analyze(one));
    });

    it("skips values not known during preview instead of failing or guessing", async () => {
      const stack = [
        ...edge("production", unknown),
        ...tenant("production", "acme"),
        dnsRecord("*.agents.example.com", unknown),
        dnsRecord("www.agents.example.com", "198.51.100.7"),
      ];
      const acme = stack.find((r) => r.name === "sp-acme")!;
      const spec = acme.props.spec as { template: { spec: { containers: { image: string }[] } } };
      spec.template.spec.containers[0]!.image = unknown;
      expectClean(await ctx.pack.analyze(acme));
      // The proxy's address is unknown, so a record pointing elsewhere cannot be judged yet ...
      expectClean(await ctx.pack.analyzeStack(stack));
      // ... but pointing at a tenant is wrong whatever the proxy's address turns out to be.
      stack.push(
        dnsRecord(
          "acme.agents.example.com",
          "sp-acme.production-tenant-acme.svc.cluster.local",
          "CNAME",
        ),
      );
      expectViolation(
        await ctx.pack.analyzeStack(stack),
        "dns-targets-proxy-only",
        "a tenant's Service",
      );
    });
  });
}
