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

  it("is absent while suspended and runs again on resume, for the current image and command", async () => {
    const migrate = ["./bin/migrate", "up"];
    // A release during the suspension: resuming must migrate for the image the tenant resumes on.
    const resumedImage = IMAGE.replace(/a{64}$/, "b".repeat(64));
    const suspended = await deploy({ migrate, suspended: true });
    const resumed = await deploy({ migrate, image: resumedImage });
    const parent = "urn:pulumi:test::agent-cloud::agent-cloud:tenant:TenantApp";
    const urn = (type: string, name: string) => `${parent}$${type}::${name}`;
    const namespace = urn(KUBERNETES.Namespace, "tenant-acme-namespace");
    const secret = urn(KUBERNETES.Secret, "tenant-acme-secret");
    const apiKey = urn("random:index/randomPassword:RandomPassword", "tenant-acme-api-key");
    const job = urn(KUBERNETES.Job, "tenant-acme-migrate");
    const deploymentAliases = ["apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"].map(
      (version) =>
        `{"spec":{"name":"","type":"kubernetes:${version}:Deployment","stack":"","project":"","parenturn":"${parent}::tenant-acme"}}`,
    );
    const policyAliases = [
      `{"spec":{"name":"","type":"kubernetes:extensions/v1beta1:NetworkPolicy","stack":"","project":"","parenturn":"${parent}::tenant-acme"}}`,
    ];
    // Every resource but the Job keeps its URN and aliases, so neither change replaces any of them.
    const shape = (run: Awaited<ReturnType<typeof deploy>>) =>
      run.resources
        .map((r) => ({
          urn: r.urn,
          dependsOn: [...r.dependsOn].sort(),
          aliases: r.aliases,
        }))
        .sort((a, b) => a.urn.localeCompare(b.urn));
    const common = (deploymentDependsOn: string[]) =>
      [
        { urn: `${parent}::tenant-acme`, dependsOn: [], aliases: [] },
        { urn: apiKey, dependsOn: [], aliases: [] },
        { urn: namespace, dependsOn: [], aliases: [] },
        {
          urn: urn(KUBERNETES.ResourceQuota, "tenant-acme-quota"),
          dependsOn: [namespace],
          aliases: [],
        },
        {
          urn: urn(KUBERNETES.Service, "tenant-acme-service"),
          dependsOn: [namespace],
          aliases: [],
        },
        {
          urn: urn(KUBERNETES.NetworkPolicy, "tenant-acme-network-policy"),
          dependsOn: [namespace],
          aliases: policyAliases,
        },
        { urn: secret, dependsOn: [apiKey, namespace].sort(), aliases: [] },
        {
          urn: urn(KUBERNETES.Deployment, "tenant-acme-deployment"),
          dependsOn: [apiKey, namespace, secret, ...deploymentDependsOn].sort(),
          aliases: deploymentAliases,
        },
      ].sort((a, b) => a.urn.localeCompare(b.urn));

    expect(shape(suspended)).toEqual(common([]));
    expect(suspended.ofType(KUBERNETES.Job)).toEqual([]);
    expect(
      suspended.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.replicas,
    ).toBe(0);

    expect(shape(resumed)).toEqual(
      [...common([job]), { urn: job, dependsOn: [namespace, secret].sort(), aliases: [] }].sort(
        (a, b) => a.urn.localeCompare(b.urn),
      ),
    );
    const resumedJob = resumed.get(KUBERNETES.Job, "tenant-acme-migrate").inputs;
    expect(resumedJob.metadata.name).toBe(migrationJobName("acme", resumedImage, migrate));
    expect(resumedJob.spec.template.spec.containers[0]).toMatchObject({
      image: resumedImage,
      command: migrate,
    });
    expect(resumed.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.replicas).toBe(
      1,
    );
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
