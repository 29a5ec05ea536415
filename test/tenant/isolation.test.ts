import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { SharedDatabase } from "../../components/data/shared-database";
import { NON_PUBLIC_RANGES } from "../../components/tenant/network-policy";
import { TenantApp } from "../../components/tenant/tenant-app";
import { BUILTIN_PLANS, type Plan } from "../../model/plans";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { type RecordedResource, isSecretInput, runProgram, valueOf } from "../../testkit/mocks";
import { tenantArgs } from "./fixtures";
import { AGENT_CLOUD, KUBERNETES, POSTGRESQL } from "../../testkit/type-tokens";

// No id is a substring of another, so "does b's name appear in a's objects" is a clean test.
const IDS = ["acme", "globex", "initech"];

/** The tenant part of a platform: the shared database and one TenantApp per tenant. */
function platform(ids: readonly string[], replicas = 1) {
  const db = new SharedDatabase("database", {
    environment: "dev",
    mode: "in-cluster",
    image: "postgres:17.6",
    storageSize: "1Gi",
    nodePort: 30432,
    adminSourceCidrs: ["172.16.0.0/12"],
    adminHost: "localhost",
    adminPort: 30432,
    protect: false,
    tenants: ids.map((id) => ({
      id,
      connectionLimit: (BUILTIN_PLANS.starter as Plan).databaseConnections,
    })),
  });
  const apps = Object.fromEntries(
    ids.map((id) => [
      id,
      new TenantApp(
        `tenant-${id}`,
        tenantArgs(id, {
          replicas,
          plan: BUILTIN_PLANS.starter as Plan,
          planName: "starter",
          databaseUrl: db.tenantUrl(id),
          databaseEgress: db.networkPeer,
          secrets: { OPENAI_API_KEY: pulumi.secret(`sk-${id}-0123456789abcdef0123`) },
        }),
      ),
    ]),
  );
  return { db, apps };
}

/** Every resource a tenant owns: its TenantApp subtree and its per-tenant database resources. */
function ownedBy(resources: readonly RecordedResource[], id: string): RecordedResource[] {
  const app = resources.find((r) => r.type === AGENT_CLOUD.TenantApp && r.name === `tenant-${id}`);
  return resources.filter(
    (r) => r === app || r.parent === app?.urn || r.name.startsWith(`database-${id}-`),
  );
}

describe("tenant isolation across a platform of three tenants", () => {
  it("grants no tenant anything of another's namespace, database, role or secret", async () => {
    const run = await runProgram(() => {
      const { db, apps } = platform(IDS);
      return {
        urls: Object.fromEntries(IDS.map((id) => [id, db.tenantUrl(id)])),
        keys: Object.fromEntries(IDS.map((id) => [id, apps[id]!.apiKey])),
      };
    });
    await validateAllKubernetes(run.resources);
    const urls = Object.fromEntries(
      await Promise.all(IDS.map(async (id) => [id, await valueOf(run.result.urls[id]!)] as const)),
    );
    const keys = Object.fromEntries(
      await Promise.all(IDS.map(async (id) => [id, await valueOf(run.result.keys[id]!)] as const)),
    );

    /** What identifies tenant `id`: names and credentials that must never appear in another's objects. */
    const marks = (id: string) => {
      const secret = run.get(KUBERNETES.Secret, `tenant-${id}-secret`);
      return [
        `dev-tenant-${id}`,
        `sp-${id}`,
        `sp_dev_${id}`,
        ...Object.values<string>(secret.inputs.stringData),
      ];
    };

    for (const a of IDS) {
      const mine = ownedBy(run.resources, a);
      expect(mine.length).toBeGreaterThan(0);
      // Every namespaced object of a lives in a's namespace.
      for (const r of mine.filter((x) => x.inputs.metadata?.namespace !== undefined)) {
        expect(r.inputs.metadata.namespace, r.name).toBe(`dev-tenant-${a}`);
      }

      for (const b of IDS.filter((x) => x !== a)) {
        // Nothing a owns names b's namespace, service, role, database or holds b's credentials.
        const text = JSON.stringify(mine.map((r) => r.inputs));
        for (const mark of marks(b))
          expect(text, `${a} mentions ${b}: ${mark}`).not.toContain(mark);
        // a's credentials are a's own.
        expect(urls[a]).toMatch(new RegExp(`^postgres://sp_dev_${a}:[^@]+@[^/]+/sp_dev_${a}\\?`));
        expect(urls[a]).not.toBe(urls[b]);
        expect(keys[a]).not.toBe(keys[b]);
      }

      // a's network policy: ingress only from the proxy, egress only to DNS, the database
      // server's pods, and addresses outside every private range.
      const np = run.get(KUBERNETES.NetworkPolicy, `tenant-${a}-network-policy`).inputs.spec;
      const peers = [
        ...np.ingress.flatMap((rule: any) => rule.from),
        ...np.egress.flatMap((rule: any) => rule.to),
      ];
      for (const peer of peers) {
        if (peer.ipBlock !== undefined) {
          expect(peer.ipBlock.cidr).toBe("0.0.0.0/0");
          expect(peer.ipBlock.except).toEqual(expect.arrayContaining([...NON_PUBLIC_RANGES]));
        } else {
          // An empty or label-less namespaceSelector would match every tenant's namespace.
          expect(Object.keys(peer.namespaceSelector.matchLabels)).toEqual([
            "kubernetes.io/metadata.name",
          ]);
          expect(peer.namespaceSelector.matchExpressions).toBeUndefined();
          expect(["dev-edge", "kube-system", "dev-database"]).toContain(
            peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
          );
        }
      }

      // a's database: owned by a's role; PUBLIC (every other role) loses CONNECT and TEMP.
      const database = run.get(POSTGRESQL.Database, `database-${a}-database`);
      expect(database.inputs.owner).toBe(`sp_dev_${a}`);
      const hardening = run.get(AGENT_CLOUD.SqlStatements, `database-${a}-hardening`);
      const sql: string[] = hardening.inputs.statements.map((x: { sql: string }) => x.sql);
      expect(sql).toContain(`REVOKE ALL ON DATABASE "sp_dev_${a}" FROM PUBLIC`);
      // The only membership: the admin in a's role (so its REVOKE runs as the owner's).
      expect(sql.filter((x) => x.startsWith("GRANT"))).toEqual([
        `GRANT "sp_dev_${a}" TO CURRENT_USER`,
      ]);
      for (const b of IDS.filter((x) => x !== a)) {
        expect(sql.join("\n")).not.toContain(b);
      }
    }
    // No role is ever made a member of another.
    expect(run.ofType(POSTGRESQL.GrantRole)).toEqual([]);
    const roles = run.ofType(POSTGRESQL.Role);
    expect(roles.map((r) => r.inputs.roles ?? [])).toEqual(IDS.map(() => []));
  });

  it("keeps every credential secret and out of ConfigMaps and plain env", async () => {
    const run = await runProgram(() => platform(IDS));
    const credentials: string[] = [];
    for (const id of IDS) {
      const secret = run.get(KUBERNETES.Secret, `tenant-${id}-secret`);
      for (const key of ["DATABASE_URL", "AGENT_CLOUD_API_KEY", "OPENAI_API_KEY"]) {
        expect(isSecretInput(secret, `stringData.${key}`), `${id} ${key}`).toBe(true);
        credentials.push(secret.inputs.stringData[key]);
      }
      const role = run.get(POSTGRESQL.Role, `database-${id}-role`);
      expect(isSecretInput(role, "password")).toBe(true);
    }
    const admin = run.get(KUBERNETES.Secret, "database-admin-secret");
    expect(isSecretInput(admin, "stringData.POSTGRES_PASSWORD")).toBe(true);
    credentials.push(admin.inputs.stringData.POSTGRES_PASSWORD);

    for (const cm of run.ofType(KUBERNETES.ConfigMap)) {
      for (const value of credentials) expect(JSON.stringify(cm.inputs)).not.toContain(value);
    }
    for (const d of [...run.ofType(KUBERNETES.Deployment), ...run.ofType(KUBERNETES.StatefulSet)]) {
      for (const c of d.inputs.spec.template.spec.containers) {
        for (const e of c.env ?? []) {
          if (e.value === undefined) continue;
          for (const value of credentials)
            expect(e.value, `${d.name} ${e.name}`).not.toContain(value);
          expect(e.name).not.toMatch(/PASSWORD|SECRET|TOKEN|API_KEY|DATABASE_URL/);
        }
      }
    }
  });

  it("costs 11 Pulumi resources per tenant (10 custom), 12 with a PodDisruptionBudget", async () => {
    const count = async (ids: readonly string[], replicas: number) => {
      const run = await runProgram(() => platform(ids, replicas));
      return run.resources;
    };
    const one = await count(IDS.slice(0, 1), 1);
    const three = await count(IDS, 1);
    const perTenant = (three.length - one.length) / 2;
    expect(perTenant).toBe(11);
    expect(ownedBy(three, "globex").filter((r) => r.custom)).toHaveLength(10);
    expect(
      ownedBy(three, "globex")
        .map((r) => r.type.split(":").pop())
        .sort(),
    ).toEqual([
      "Database",
      "Deployment",
      "Namespace",
      "NetworkPolicy",
      "RandomPassword",
      "ResourceQuota",
      "Role",
      "Secret",
      "Service",
      "SqlStatements",
      "TenantApp",
    ]);
    const two = await count(IDS.slice(0, 2), 2);
    const oneHa = await count(IDS.slice(0, 1), 2);
    expect(two.length - oneHa.length).toBe(12);
  });
});
