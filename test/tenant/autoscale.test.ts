import { describe, expect, it } from "vitest";
import { podBudget } from "../../components/tenant/resources";
import { TenantApp } from "../../components/tenant/tenant-app";
import { ConfigError, formatIssue } from "../../stacks/config/errors";
import { parseConfig } from "../../stacks/config/parse";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { runProgram } from "../../testkit/mocks";
import { IMAGE, STANDARD, tenantArgs } from "./fixtures";
import { KUBERNETES } from "../../testkit/type-tokens";

const deploy = (overrides = {}) =>
  runProgram(() => new TenantApp("tenant-acme", tenantArgs("acme", overrides)));

describe("autoscaling within the plan", () => {
  it("renders an HPA on CPU, leaves replicas to it, and sizes quota and PDB for max", async () => {
    const max = Math.min(4, STANDARD.maxReplicas);
    const run = await deploy({ replicas: 1, autoscale: { min: 1, max, cpuPercent: 65 } });
    const hpa = run.get(KUBERNETES.HorizontalPodAutoscaler, "tenant-acme-autoscaler");
    expect(hpa.inputs.spec).toMatchObject({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "sp-acme" },
      minReplicas: 1,
      maxReplicas: max,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 65 } },
        },
      ],
    });
    expect(await validateAllKubernetes([hpa])).toBe(1);
    const deployment = run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec;
    expect(deployment.replicas).toBeUndefined();
    expect(deployment.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(run.get(KUBERNETES.ResourceQuota, "tenant-acme-quota").inputs.spec.hard.pods).toBe(
      String(podBudget(max)),
    );
    expect(run.ofType(KUBERNETES.PodDisruptionBudget)).toHaveLength(1);
  });

  it("has no HPA without autoscale, nor while suspended", async () => {
    expect((await deploy()).ofType(KUBERNETES.HorizontalPodAutoscaler)).toEqual([]);
    const suspended = await deploy({
      suspended: true,
      autoscale: { min: 1, max: 2, cpuPercent: 70 },
    });
    expect(suspended.ofType(KUBERNETES.HorizontalPodAutoscaler)).toEqual([]);
    expect(
      suspended.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.replicas,
    ).toBe(0);
  });

  it("refuses a range beyond the plan in the component", async () => {
    await expect(
      deploy({ autoscale: { min: 3, max: STANDARD.maxReplicas + 1, cpuPercent: 5 } }),
    ).rejects.toThrow(
      `TenantApp "tenant-acme": 2 problems:\n` +
        `  - tenant "acme" autoscale.max ${STANDARD.maxReplicas + 1}: plan "standard" allows at most ${STANDARD.maxReplicas} replicas\n` +
        `  - tenant "acme" autoscale.cpuPercent 5: must be a whole percent from 10 to 100`,
    );
  });

  it("refuses in the config a max above the plan and a min above the max", () => {
    let error: unknown;
    try {
      parseConfig({
        environment: "dev",
        domain: "agents.example.com",
        image: { ref: IMAGE },
        tenants: [{ id: "acme", plan: "starter", autoscale: { min: 5, max: 4 } }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map(formatIssue);
    expect(issues).toContain("tenants[0].autoscale.min 5: must not exceed autoscale.max (4)");
    expect(
      issues.some((i) => i.startsWith('tenants[0].autoscale.max 4: plan "starter" allows at most')),
    ).toBe(true);
  });
});
