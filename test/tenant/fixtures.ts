import * as pulumi from "@pulumi/pulumi";
import { BUILTIN_PLANS, type Plan } from "../../model/plans";
import type { TenantAppArgs } from "../../components/tenant/tenant-app";

/** A digest-pinned image ref, as the image component or a stack file gives it. */
export const IMAGE = `registry.example.com/agent-cloud/agent@sha256:${"a".repeat(64)}`;

export const STANDARD = BUILTIN_PLANS.standard as Plan;

/** TenantApp args as the platform passes them for a tenant on the standard plan. */
export function tenantArgs(id: string, overrides: Partial<TenantAppArgs> = {}): TenantAppArgs {
  return {
    environment: "dev",
    tenantId: id,
    groups: [],
    planName: "standard",
    plan: STANDARD,
    replicas: 1,
    image: IMAGE,
    port: 8080,
    healthPath: "/api/v1/health",
    startupPeriodSeconds: 5,
    startupFailureThreshold: 120,
    writablePaths: ["/tmp"],
    terminationGracePeriodSeconds: 60,
    uid: 1000,
    agentConfig: { model: "claude-sonnet-4-5", tools: ["search"] },
    env: { LOG_LEVEL: "info" },
    secrets: { ANTHROPIC_API_KEY: pulumi.secret(`sk-ant-${id}-not-a-real-key`) },
    databaseUrl: pulumi.secret(
      `postgres://sp_${id}:pw-${id}@postgres.dev-database.svc.cluster.local:5432/sp_${id}?sslmode=disable`,
    ),
    apiKeyPrefix: "ac_dev_",
    proxyNamespace: "dev-edge",
    databaseEgress: {
      namespace: "dev-database",
      podLabels: { "app.kubernetes.io/name": "postgres" },
      port: 5432,
    },
    ...overrides,
  };
}
