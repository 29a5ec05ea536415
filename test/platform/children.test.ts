/**
 * Platform and TenantShard expose the children a caller builds on, each the very resource the
 * stack registers under its contract name; a shard with the wrong database is refused up front.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ComponentArgsError } from "../../components/component-args-error";
import { Platform } from "../../components/platform";
import { TenantShard } from "../../components/shard/tenant-shard";
import { parseConfig } from "../../stacks/config/parse";
import { runProgram, valueOf, runProgramCatching } from "../../testkit/mocks";
import { EXAMPLE_DIR, rawConfig } from "../../testkit/stack-files";
import { AGENT_CLOUD, KUBERNETES } from "../../testkit/type-tokens";

const config = (stack: "local" | "dev") => {
  const { raw, secretKeys } = rawConfig(stack);
  return parseConfig(raw, { secretKeys });
};

describe("Platform's children", () => {
  it("are the registered proxy, certificate, image, database, DNS and one app per tenant", async () => {
    const dev = config("dev");
    const run = await runProgram(() => {
      const platform = new Platform("dev", { config: dev, projectRoot: EXAMPLE_DIR });
      return {
        urns: pulumi.all({
          edge: platform.edgeNamespaceResource.urn,
          certificate: platform.certificate.urn,
          image: platform.image.urn,
          database: platform.database.urn,
          proxy: platform.proxy.urn,
          dns: (platform.dns as pulumi.Resource).urn,
          ...Object.fromEntries(
            Object.entries(platform.apps).map(([id, app]) => [`tenant ${id}`, app.urn]),
          ),
        }),
        backups: platform.backups,
      };
    });
    const urnOf = (type: string, name: string) => run.get(type, name).urn;
    expect(await valueOf(run.result.urns)).toEqual({
      edge: urnOf(KUBERNETES.Namespace, "dev-edge"),
      certificate: urnOf(AGENT_CLOUD.WildcardCertificate, "dev-certificate"),
      image: urnOf(AGENT_CLOUD.AppImage, "dev-image"),
      database: urnOf(AGENT_CLOUD.SharedDatabase, "dev-database"),
      proxy: urnOf(AGENT_CLOUD.ManagementProxy, "dev-proxy"),
      dns: urnOf(AGENT_CLOUD.WildcardDns, "dev-dns"),
      ...Object.fromEntries(
        dev.tenants.map((t) => [
          `tenant ${t.id}`,
          urnOf(AGENT_CLOUD.TenantApp, `dev-tenant-${t.id}`),
        ]),
      ),
    });
    expect(dev.database.backup).toBeUndefined();
    expect(run.result.backups).toBeUndefined();
  });
});

describe("Platform's transforms", () => {
  it("reach each component's children: every tenant's Deployment, the proxy's Service, the database's StatefulSet", async () => {
    const local = config("local");
    const run = await runProgram(() => {
      new Platform("local", {
        config: local,
        projectRoot: EXAMPLE_DIR,
        transform: {
          tenantApp: {
            deployment: (args) =>
              void (args.metadata = {
                ...(args.metadata as k8s.types.input.meta.v1.ObjectMeta),
                annotations: { "example.com/team": "agents" },
              }),
          },
          proxy: {
            service: { metadata: { name: "edge", annotations: { "example.com/lb": "x" } } },
          },
          database: { statefulSet: (_args, opts) => void (opts.retainOnDelete = true) },
        },
      });
      return {};
    });
    for (const tenant of local.tenants) {
      const deployment = run.get(KUBERNETES.Deployment, `local-tenant-${tenant.id}-deployment`);
      expect(deployment.inputs.metadata.annotations).toEqual({ "example.com/team": "agents" });
      // The rest is the component's own.
      expect(deployment.inputs.metadata.name).toBe(`sp-${tenant.id}`);
    }
    expect(run.get(KUBERNETES.Service, "local-proxy-service").inputs.metadata).toEqual({
      name: "edge",
      annotations: { "example.com/lb": "x" },
    });
    // Options too: the local stack's database is not retained on its own.
    expect(local.database.protect).toBe(false);
    expect(run.get(KUBERNETES.StatefulSet, "local-database-statefulset").retainOnDelete).toBe(true);
  });
});

describe("TenantShard", () => {
  it("refuses a database that is not the external server before registering anything", async () => {
    const local = config("local");
    expect(local.database.mode).toBe("in-cluster");
    const run = await runProgramCatching(() => {
      new TenantShard("local-s01", { config: local, platformStack: "org/agent-cloud/local" });
    });
    expect(run.resources).toEqual([]);
    expect(run.result).toBeInstanceOf(ComponentArgsError);
    expect((run.result as Error).message).toBe(
      'TenantShard "local-s01": database.mode must be "external" in a shard',
    );
  });
});
