/**
 * Tenant shards (README "Tenant shards"): a shard stack runs only its tenants, named exactly as
 * an unsharded stack names them; the platform stack routes every shard's tenants, read through
 * stack references; a one-tenant change evaluates and changes one shard (plus, on the platform,
 * the route table only).
 */
import { describe, expect, it } from "vitest";
import { diffRuns } from "../../bench/diff";
import { ConfigError } from "../../stacks/config";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import {
  PLATFORM_IMAGE,
  runSharded,
  shardAnswer,
  shardedFile,
  type ShardedRun,
} from "./shard-support";
import { AGENT_CLOUD, CLOUDFLARE, KUBERNETES, POSTGRESQL, PULUMI } from "../../testkit/type-tokens";

const S01 = ["acme", "globex", "hooli"];
const S02 = ["initech", "umbrella"];

async function platformWith(s01: ShardedRun, s02: ShardedRun) {
  return runSharded("production", {
    references: {
      "organization/agent-cloud/production-s01": shardAnswer(s01),
      "organization/agent-cloud/production-s02": shardAnswer(s02),
    },
  });
}

/** Everything the proxy's nginx reads: its config and its route table, whatever their split. */
const nginxConf = (run: ShardedRun): string =>
  run
    .ofType(KUBERNETES.ConfigMap)
    .filter((c) => c.name.startsWith("production-proxy-"))
    .flatMap((c) => Object.values<string>(c.inputs.data ?? {}))
    .join("\n");

describe("a shard stack", () => {
  it("runs only its tenants and their databases, named as an unsharded stack names them", async () => {
    const run = await runSharded("production-s01");
    const shard = run.get(AGENT_CLOUD.TenantShard, "production");
    expect(run.ofType(AGENT_CLOUD.TenantApp).map((r) => r.name)).toEqual(
      S01.map((id) => `production-tenant-${id}`),
    );
    for (const r of run.ofType(AGENT_CLOUD.TenantApp)) expect(r.parent).toBe(shard.urn);
    expect(run.ofType(AGENT_CLOUD.TenantDatabases).map((r) => r.name)).toEqual([
      "production-database",
    ]);
    expect(
      run
        .ofType(POSTGRESQL.Role)
        .map((r) => `${r.name} ${r.inputs.name}`)
        .sort(),
    ).toEqual(S01.map((id) => `production-database-${id}-role sp_production_${id}`));
    // Nothing of the platform's own: no proxy, image build, database server or DNS.
    for (const type of [
      AGENT_CLOUD.ManagementProxy,
      AGENT_CLOUD.AppImage,
      AGENT_CLOUD.SharedDatabase,
      AGENT_CLOUD.Platform,
      CLOUDFLARE.CustomHostname,
    ])
      expect(run.ofType(type), type).toEqual([]);
    expect(run.resources.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);

    // One reference to its platform, for the image and the proxy's address, and one to itself
    // (stacks/stack-identity.ts).
    expect(run.ofType(PULUMI.StackReference).map((r) => `${r.name} ${r.inputs.name}`)).toEqual([
      "production-last-update organization/agent-cloud/production-s01",
      "production-platform organization/agent-cloud/production",
    ]);
    for (const d of run.ofType(KUBERNETES.Deployment))
      expect(d.inputs.spec.template.spec.containers[0].image).toBe(PLATFORM_IMAGE);
    // Production's guards hold in a shard too: protected, retained databases.
    expect(run.ofType(POSTGRESQL.Role).every((r) => r.protect && r.retainOnDelete)).toBe(true);

    expect(await validateAllKubernetes(run.resources)).toBe(6 * S01.length + 1);
    expect(run.outputs.imageRef).toBe(PLATFORM_IMAGE);
    expect(run.outputs.proxyAddress).toBe("203.0.113.10");
    expect(Object.keys(run.outputs).sort()).toEqual([
      "apiKeys",
      "domain",
      "edgeNamespace",
      "environment",
      "hostsFileLines",
      "imageRef",
      "proxyAddress",
      "tenants",
    ]);
    const tenants = run.outputs.tenants as Record<string, { hosts: string[]; namespace: string }>;
    expect(Object.keys(tenants)).toEqual(S01);
    expect(tenants.acme).toMatchObject({
      hosts: ["acme.agents.example.com"],
      namespace: "production-tenant-acme",
      plan: "pro",
      auth: "edge",
    });
    // Its tenants' keys, for the platform's edge (a secret output: shard.apiKeys).
    const keys = run.outputs.apiKeys as Record<string, { current: string }>;
    expect(Object.keys(keys)).toEqual(S01);
    for (const id of S01) expect(keys[id]!.current).toMatch(/^ac_production_[A-Za-z0-9]{40}$/);
    const secret = run
      .ofType(KUBERNETES.Secret)
      .find((s) => s.name === "production-tenant-acme-secret");
    expect(secret!.inputs.stringData.AGENT_CLOUD_API_KEY).toBe(keys.acme!.current);
  });

  it("gives each tenant the same resources an unsharded stack gives it", async () => {
    const run = await runSharded("production-s01");
    const perTenant = run.resources.filter((r) => r.name.includes("-hooli"));
    expect(perTenant.map((r) => `${r.type.split(":").pop()} ${r.name}`).sort()).toEqual(
      [
        "TenantApp production-tenant-hooli",
        "Namespace production-tenant-hooli-namespace",
        "RandomPassword production-tenant-hooli-api-key",
        "Secret production-tenant-hooli-secret",
        "Deployment production-tenant-hooli-deployment",
        "Service production-tenant-hooli-service",
        "NetworkPolicy production-tenant-hooli-network-policy",
        "ResourceQuota production-tenant-hooli-quota",
        "Role production-database-hooli-role",
        "Database production-database-hooli-database",
        "SqlStatements production-database-hooli-hardening",
      ].sort(),
    );
    // The engine's URNs: under the shard component, where the platform stack has its Platform.
    expect(run.get(KUBERNETES.Deployment, "production-tenant-hooli-deployment").engineUrn).toBe(
      "urn:pulumi:production-s01::agent-cloud::agent-cloud:platform:TenantShard$agent-cloud:tenant:TenantApp$kubernetes:apps/v1:Deployment::production-tenant-hooli-deployment",
    );
  });

  it("refuses more tenants than maxTenantsPerStack, before anything is registered", async () => {
    const file = shardedFile("production-s01");
    const tenants = [...(file["agent-cloud:tenants"] as object[]), { id: "wonka" }];
    const error = await runSharded("production-s01", {
      config: { ...file, "agent-cloud:tenants": tenants },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      `tenants "4 tenants": a stack holds at most 3 tenants (maxTenantsPerStack); start another shard`,
    );
  });

  it("takes over the retained role and database of the tenants AGENT_CLOUD_ADOPT_DATABASES lists", async () => {
    const run = await runSharded("production-s01", {
      env: { AGENT_CLOUD_ADOPT_DATABASES: "globex" },
    });
    expect(
      run.resources
        .filter((r) => r.importId !== undefined)
        .map((r) => `${r.type} ${r.name} ${r.importId}`)
        .sort(),
    ).toEqual([
      `${POSTGRESQL.Database} production-database-globex-database sp_production_globex`,
      `${POSTGRESQL.Role} production-database-globex-role sp_production_globex`,
    ]);
  });

  it("refuses a platform stack file that does not exist", async () => {
    const file = shardedFile("production-s01");
    await expect(
      runSharded("production-s01", {
        config: { ...file, "agent-cloud:shard": { name: "s01", platform: "prod" } },
      }),
    ).rejects.toThrow(
      `shard.platform "prod": no stack file Pulumi.prod.yaml next to Pulumi.yaml; a shard reads its environment's settings from its platform stack's file`,
    );
  });

  it("refuses another environment than its platform's", async () => {
    const file = shardedFile("production-s01");
    await expect(
      runSharded("production-s01", {
        config: { ...file, "agent-cloud:environment": "dev" },
      }),
    ).rejects.toThrow(
      /environment "dev": the platform stack production is environment "production"/,
    );
  });
});

describe("the platform stack of a sharded environment", () => {
  it("routes every shard's tenants and runs none of them", async () => {
    const s01 = await runSharded("production-s01");
    const s02 = await runSharded("production-s02");
    const platform = await platformWith(s01, s02);
    expect(
      platform
        .ofType(PULUMI.StackReference)
        .map((r) => `${r.name} ${r.inputs.name}`)
        .sort(),
    ).toEqual([
      "production-last-update organization/agent-cloud/production",
      "production-shard-s01 organization/agent-cloud/production-s01",
      "production-shard-s02 organization/agent-cloud/production-s02",
    ]);
    expect(platform.ofType(AGENT_CLOUD.TenantApp)).toEqual([]);
    expect(platform.ofType(POSTGRESQL.Role)).toEqual([]);
    expect(platform.ofType(AGENT_CLOUD.ManagementProxy)).toHaveLength(1);
    expect(platform.ofType(AGENT_CLOUD.SharedDatabase)).toHaveLength(1);

    const conf = nginxConf(platform);
    for (const id of [...S01, ...S02]) {
      expect(conf).toContain(`${id}.agents.example.com`);
      expect(conf).toContain(`sp-${id}.production-tenant-${id}.svc.cluster.local`);
    }
    expect(conf).toContain("agents.initech.com");
    // The custom domain of a shard's tenant is published by the platform's DNS.
    expect(platform.ofType(CLOUDFLARE.CustomHostname).map((r) => r.inputs.hostname)).toEqual([
      "agents.initech.com",
    ]);
    expect(platform.outputs.tenants).toEqual({});
    // The edge's key table holds every shard tenant's key, as a secret.
    const table = platform
      .ofType(KUBERNETES.Secret)
      .find((r) => r.inputs.metadata?.name === "management-proxy-api-keys");
    const text = JSON.stringify(table!.inputs);
    for (const [shard, ids] of [
      [s01, S01],
      [s02, S02],
    ] as const) {
      const keys = shard.outputs.apiKeys as Record<string, { current: string }>;
      for (const id of ids) expect(text, id).toContain(keys[id]!.current);
    }
    expect(table!.secretPaths.length).toBeGreaterThan(0);
  });
});

describe("a one-tenant change", () => {
  it("changes only its own resources in its shard, and only the route table on the platform", async () => {
    const s01 = await runSharded("production-s01");
    const s02 = await runSharded("production-s02");
    const file = shardedFile("production-s02");
    const added = await runSharded("production-s02", {
      config: {
        ...file,
        "agent-cloud:tenants": [...(file["agent-cloud:tenants"] as object[]), { id: "wonka" }],
      },
    });

    // The shard: the new tenant's 11 resources, nothing else touched.
    const shardDiff = diffRuns(s02.resources, added.resources);
    expect(shardDiff.changed).toEqual([]);
    expect(shardDiff.deleted).toEqual([]);
    expect(shardDiff.created.map((r) => r.name).sort()).toEqual(
      [
        "production-tenant-wonka",
        ...[
          "namespace",
          "api-key",
          "secret",
          "deployment",
          "service",
          "network-policy",
          "quota",
        ].map((role) => `production-tenant-wonka-${role}`),
        ...["role", "database", "hardening"].map((role) => `production-database-wonka-${role}`),
      ].sort(),
    );
    // The other shard is not evaluated at all; the platform re-reads the shard's tenants.
    const before = await platformWith(s01, s02);
    const after = await platformWith(s01, added);
    const platformDiff = diffRuns(before.resources, after.resources);
    expect(platformDiff.deleted).toEqual([]);
    expect(platformDiff.created).toEqual([]);
    // Only the proxy's route table (and what carries it into the pods) changes.
    const proxyUrns = new Set(
      after.resources
        .filter((r) => r.engineUrn.includes(`${AGENT_CLOUD.ManagementProxy}$`))
        .map((r) => r.urn),
    );
    expect(platformDiff.changed.length).toBeGreaterThan(0);
    for (const c of platformDiff.changed) expect(proxyUrns.has(c.urn), c.name).toBe(true);
    expect(nginxConf(after)).toContain("wonka.agents.example.com");
  });
});
