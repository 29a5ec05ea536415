/**
 * The platform's backups reach the in-cluster database: with `database.backup` set, the
 * database's NetworkPolicy admits the very namespace and pod labels the backups' CronJob runs
 * with (that namespace has no tenant label, so the tenants' peer never matched it), and the
 * backups' own policy lets them out to the server's pods on its port.
 */
import { describe, expect, it } from "vitest";
import { Platform } from "../../components/platform";
import { parseConfig } from "../../stacks/config/parse";
import { runProgram } from "../../testkit/mocks";
import { EXAMPLE_DIR, rawConfig } from "../../testkit/stack-files";
import { KUBERNETES } from "../../testkit/type-tokens";

/** The local stack's Platform under mocks, with `database.backup` set or not. */
async function localPlatform(backup: Record<string, unknown> | undefined) {
  const { raw, secretKeys } = rawConfig("local");
  const database = raw["database"] as Record<string, unknown>;
  raw["database"] = backup === undefined ? database : { ...database, backup };
  const config = parseConfig(raw, { secretKeys });
  return runProgram(() => {
    new Platform("local", { config, projectRoot: EXAMPLE_DIR });
    return {};
  });
}

const TENANTS_PEER = {
  namespaceSelector: {
    matchLabels: { "agent-cloud.io/environment": "local" },
    matchExpressions: [{ key: "agent-cloud.io/tenant", operator: "Exists" }],
  },
};

describe("Platform with database.backup on an in-cluster server", () => {
  it("admits the backup pods on 5432 in the database's policy, exactly as they run", async () => {
    const run = await localPlatform({});
    const ingress = run.get(KUBERNETES.NetworkPolicy, "local-database-network-policy").inputs.spec
      .ingress;
    const cron = run.get(KUBERNETES.CronJob, "local-backups-cronjob").inputs;
    const podLabels = cron.spec.jobTemplate.spec.template.metadata.labels;
    expect(cron.metadata.namespace).toBe("local-backups");
    expect(podLabels).toEqual({
      "app.kubernetes.io/name": "tenant-backups",
      "app.kubernetes.io/part-of": "agent-cloud",
      "agent-cloud.io/environment": "local",
    });
    expect(ingress).toEqual([
      {
        from: [
          TENANTS_PEER,
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "local-backups" } },
            podSelector: { matchLabels: podLabels },
          },
          { ipBlock: { cidr: "172.16.0.0/12" } },
        ],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
    // And the backups may go there: the server's pods in its namespace, on the same port.
    const egress = run.get(KUBERNETES.NetworkPolicy, "local-backups-network").inputs.spec.egress;
    expect(egress[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "local-database" } },
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "postgres",
              "app.kubernetes.io/part-of": "agent-cloud",
            },
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 5432 }],
    });
  });

  it("admits only the tenants and the admin path without backups", async () => {
    const run = await localPlatform(undefined);
    expect(run.ofType(KUBERNETES.CronJob)).toEqual([]);
    expect(
      run.get(KUBERNETES.NetworkPolicy, "local-database-network-policy").inputs.spec.ingress,
    ).toEqual([
      {
        from: [TENANTS_PEER, { ipBlock: { cidr: "172.16.0.0/12" } }],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
  });
});
