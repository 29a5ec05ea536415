/**
 * Smoke test per stack file: the real entry point, that file's config, every resource the
 * environment must have, every Kubernetes object valid against its schema.
 */
import { describe, expect, it } from "vitest";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { MOCK_LOAD_BALANCER_IP } from "../../testkit/mocks";
import { rawConfig, STACKS } from "../../testkit/stack-files";
import { runStack } from "./support";
import {
  AGENT_CLOUD,
  CLOUDFLARE,
  DOCKER_BUILD,
  KUBERNETES,
  POSTGRESQL,
} from "../../testkit/type-tokens";

const tenantIds = (stack: (typeof STACKS)[number]) =>
  (rawConfig(stack).raw.tenants as { id: string }[]).map((t) => t.id);

describe.each(STACKS)("stack %s", (stack) => {
  it("evaluates the real entry point into one platform with every part", async () => {
    const run = await runStack(stack);
    const ids = tenantIds(stack);

    const platform = run.get(AGENT_CLOUD.Platform, stack);
    for (const type of [
      AGENT_CLOUD.ManagementProxy,
      AGENT_CLOUD.WildcardCertificate,
      AGENT_CLOUD.SharedDatabase,
      AGENT_CLOUD.AppImage,
      AGENT_CLOUD.TenantApp,
    ]) {
      for (const r of run.ofType(type)) expect(r.parent, r.name).toBe(platform.urn);
    }
    expect(run.ofType(AGENT_CLOUD.ManagementProxy).map((r) => r.name)).toEqual([`${stack}-proxy`]);
    expect(run.ofType(AGENT_CLOUD.WildcardCertificate).map((r) => r.name)).toEqual([
      `${stack}-certificate`,
    ]);
    expect(run.ofType(AGENT_CLOUD.SharedDatabase).map((r) => r.name)).toEqual([
      `${stack}-database`,
    ]);
    expect(run.ofType(AGENT_CLOUD.AppImage).map((r) => r.name)).toEqual([`${stack}-image`]);
    expect(
      run
        .ofType(AGENT_CLOUD.TenantApp)
        .map((r) => r.name)
        .sort(),
    ).toEqual(ids.map((id) => `${stack}-tenant-${id}`).sort());

    // One app per tenant, named sp-{id}, in its own namespace, pinned by digest.
    for (const id of ids) {
      const deployments = run
        .ofType(KUBERNETES.Deployment)
        .filter((d) => d.inputs.metadata?.namespace === `${stack}-tenant-${id}`);
      expect(deployments.map((d) => d.inputs.metadata.name)).toEqual([`sp-${id}`]);
      const image: string = deployments[0]!.inputs.spec.template.spec.containers[0].image;
      expect(image).toMatch(/@sha256:[a-f0-9]{64}$/);
      const services = run
        .ofType(KUBERNETES.Service)
        .filter((s) => s.inputs.metadata?.namespace === `${stack}-tenant-${id}`);
      expect(services.map((s) => s.inputs.metadata.name)).toEqual([`sp-${id}`]);
      expect(services[0]!.inputs.spec.type ?? "ClusterIP").toBe("ClusterIP");
    }

    // Exactly one TLS Secret, in the edge namespace.
    const tls = run.ofType(KUBERNETES.Secret).filter((s) => s.inputs.type === "kubernetes.io/tls");
    expect(tls.map((s) => s.inputs.metadata.namespace)).toEqual([`${stack}-edge`]);

    // A built image is the one tenants run.
    expect(run.ofType(DOCKER_BUILD.Image)).toHaveLength(1);
    expect(run.outputs.imageRef).toMatch(/^[^@]+@sha256:[a-f0-9]{64}$/);

    // Tenant databases exist for every tenant and are named for this environment.
    expect(
      run
        .ofType(POSTGRESQL.Database)
        .map((d) => d.inputs.name)
        .sort(),
    ).toEqual(ids.map((id) => `sp_${stack}_${id.replace(/-/g, "_")}`).sort());

    expect(await validateAllKubernetes(run.resources)).toBeGreaterThan(8 * ids.length);
    expect(Object.keys(run.outputs).sort()).toEqual([
      "databaseServer",
      "domain",
      "edgeNamespace",
      "environment",
      "hostsFileLines",
      "imageRef",
      "proxyAddress",
      "tenants",
    ]);
    expect(run.secretOutputs).toEqual([]);
    expect(run.outputs.databaseServer).toBe(
      {
        local: "in-cluster",
        dev: "external pg-dev.internal.example.com:5432",
        production: "external pg.internal.example.com:5432",
      }[stack],
    );
    const tenants = run.outputs.tenants as Record<
      string,
      { url: string; namespace: string; image: string }
    >;
    expect(Object.keys(tenants).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(tenants[id]!.url).toBe(`https://${id}.${run.outputs.domain as string}`);
      expect(tenants[id]!.namespace).toBe(`${stack}-tenant-${id}`);
    }
  });
});

describe("environment differences come from the stack files", () => {
  it("local: no DNS records, hosts-file lines on loopback, in-cluster unprotected database", async () => {
    const run = await runStack("local");
    expect(run.ofType(AGENT_CLOUD.WildcardDns)).toEqual([]);
    expect(run.ofType(CLOUDFLARE.DnsRecord)).toEqual([]);
    expect(run.outputs.hostsFileLines).toEqual([
      "127.0.0.1 acme.agents.localhost",
      "127.0.0.1 globex.agents.localhost",
    ]);
    expect(run.ofType(KUBERNETES.StatefulSet)).toHaveLength(1);
    expect(run.ofType(POSTGRESQL.Database).every((d) => !d.protect)).toBe(true);
    const proxyService = run
      .ofType(KUBERNETES.Service)
      .find((s) => s.inputs.metadata?.namespace === "local-edge");
    expect(proxyService?.inputs.spec.type).toBe("NodePort");
  });

  it("production: wildcard and apex records to the proxy's address, protected external database", async () => {
    const run = await runStack("production");
    expect(run.outputs.proxyAddress).toBe(MOCK_LOAD_BALANCER_IP);
    const records = run.ofType(CLOUDFLARE.DnsRecord);
    const byName = Object.fromEntries(records.map((r) => [r.inputs.name, r.inputs]));
    expect(byName["*.agents.example.com"]).toMatchObject({
      type: "A",
      content: MOCK_LOAD_BALANCER_IP,
      proxied: true,
    });
    expect(byName["agents.example.com"]).toMatchObject({
      type: "A",
      content: MOCK_LOAD_BALANCER_IP,
    });
    expect(run.ofType(KUBERNETES.StatefulSet)).toEqual([]);
    const databases = run.ofType(POSTGRESQL.Database);
    expect(databases.length).toBe(4);
    expect(databases.every((d) => d.protect && d.retainOnDelete)).toBe(true);
    expect(run.outputs.hostsFileLines).toEqual([]);
  });

  it("deploy overrides: skip-build deploys the given digest and builds nothing", async () => {
    const ref = `ghcr.io/example-org/agent-cloud/agent@sha256:${"e".repeat(64)}`;
    const run = await runStack("dev", { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: ref });
    expect(run.ofType(DOCKER_BUILD.Image)).toEqual([]);
    expect(run.outputs.imageRef).toBe(ref);
    const images = run
      .ofType(KUBERNETES.Deployment)
      .map((d) => d.inputs.spec.template.spec.containers[0].image);
    expect(images.filter((i) => i === ref)).toHaveLength(3);
  });

  it("deploy overrides: AGENT_CLOUD_ADOPT_DATABASES takes over those tenants' retained role and database", async () => {
    const run = await runStack("dev", { AGENT_CLOUD_ADOPT_DATABASES: "globex" });
    const imports = run.resources
      .filter((r) => r.type === POSTGRESQL.Role || r.type === POSTGRESQL.Database)
      .filter((r) => r.importId !== undefined)
      .map((r) => [r.type, r.importId])
      .sort();
    expect(imports).toEqual([
      [POSTGRESQL.Database, "sp_dev_globex"],
      [POSTGRESQL.Role, "sp_dev_globex"],
    ]);
  });
});
