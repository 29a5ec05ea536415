import { describe, expect, it } from "vitest";
import { migrationJobName } from "../../components/tenant/migration-job";
import { TenantApp } from "../../components/tenant/tenant-app";
import { parseConfig } from "../../stacks/config/parse";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { runProgram } from "../../testkit/mocks";
import { restrictedViolations } from "../../testkit/pod-security";
import { IMAGE, tenantArgs } from "./fixtures";
import { KUBERNETES } from "../../testkit/type-tokens";

function deploy(overrides = {}) {
  return runProgram(() => new TenantApp("tenant-acme", tenantArgs("acme", overrides)));
}

describe("pre-release migration Job", () => {
  it("runs the new image's command with the app's env and Secret, and the Deployment waits for it", async () => {
    const run = await deploy({ migrate: ["./bin/migrate", "up"] });
    const job = run.get(KUBERNETES.Job, "tenant-acme-migrate");
    expect(job.inputs.metadata).toEqual({
      name: migrationJobName("acme", IMAGE, ["./bin/migrate", "up"]),
      namespace: "dev-tenant-acme",
      labels: {
        "app.kubernetes.io/name": "sp-acme-migrate",
        "app.kubernetes.io/component": "migration",
        "app.kubernetes.io/part-of": "agent-cloud",
        "agent-cloud.io/tenant": "acme",
      },
    });
    expect(job.inputs.metadata.name).toMatch(/^sp-acme-migrate-[0-9a-f]{10}$/);
    const pod = job.inputs.spec.template.spec;
    const app = run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.template.spec
      .containers[0];
    expect(job.inputs.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 1800 });
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0]).toMatchObject({
      name: "migrate",
      image: IMAGE,
      command: ["./bin/migrate", "up"],
      env: app.env,
      resources: app.resources,
    });
    // Credentials by secretKeyRef, as in the app: the Secret's agent config is not an env var.
    expect(pod.containers[0].envFrom).toBeUndefined();
    expect(restrictedViolations(pod)).toEqual([]);
    expect(await validateAllKubernetes([job])).toBe(1);
    expect(run.get(KUBERNETES.Deployment, "tenant-acme-deployment").dependsOn).toContain(job.urn);
  });

  it("is a new Job for a new image or command, the same Job for the same release", () => {
    const other = IMAGE.replace(/a{64}$/, "b".repeat(64));
    const names = [
      migrationJobName("acme", IMAGE, ["migrate"]),
      migrationJobName("acme", other, ["migrate"]),
      migrationJobName("acme", IMAGE, ["migrate", "--all"]),
    ];
    expect(new Set(names).size).toBe(3);
    expect(migrationJobName("acme", IMAGE, ["migrate"])).toBe(names[0]);
    expect(migrationJobName("a".repeat(40), IMAGE, ["m"]).length).toBeLessThanOrEqual(63);
  });

  it("is absent without a command, and the Deployment depends on nothing extra", async () => {
    for (const migrate of [undefined, []]) {
      const run = await deploy({ migrate });
      expect(run.ofType(KUBERNETES.Job)).toEqual([]);
    }
  });

  it("takes app.migrate for every tenant, a tenant's own migrate over it, [] for none", () => {
    const c = parseConfig({
      environment: "dev",
      domain: "agents.example.com",
      image: { ref: IMAGE },
      app: { migrate: ["migrate", "up"] },
      tenants: [
        { id: "acme" },
        { id: "globex", migrate: ["other"] },
        { id: "initech", migrate: [] },
      ],
    });
    expect(c.app.migrate).toEqual(["migrate", "up"]);
    expect(c.tenants.map((t) => t.migrate ?? c.app.migrate)).toEqual([
      ["migrate", "up"],
      ["other"],
      [],
    ]);
  });
});
