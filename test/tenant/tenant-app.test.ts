import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ComponentArgsError } from "../../components/component-args-error";
import {
  CONFIG_CHECKSUM_ANNOTATION,
  RESERVED_ENV,
  SECRET_CHECKSUM_ANNOTATION,
  TENANT_APP_TYPE,
  TenantApp,
} from "../../components/tenant/tenant-app";
import { NON_PUBLIC_RANGES } from "../../components/tenant/network-policy";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { isSecretInput, runProgram, valueOf, runProgramCatching } from "../../testkit/mocks";
import { IMAGE, STANDARD, tenantArgs } from "./fixtures";
import { KUBERNETES, RANDOM } from "../../testkit/type-tokens";

async function deploy(id = "acme", overrides = {}) {
  return runProgram(() => {
    const app = new TenantApp(`tenant-${id}`, tenantArgs(id, overrides));
    return {
      namespace: app.namespace,
      serviceName: app.serviceName,
      serviceHost: app.serviceHost,
      servicePort: app.servicePort,
      apiKey: app.apiKey,
    };
  });
}

describe("TenantApp", () => {
  it("creates exactly these resources, named from the component and the tenant id", async () => {
    const run = await deploy();
    expect(run.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${TENANT_APP_TYPE} tenant-acme`,
        `${KUBERNETES.Namespace} tenant-acme-namespace`,
        `${KUBERNETES.Secret} tenant-acme-secret`,
        `${KUBERNETES.Deployment} tenant-acme-deployment`,
        `${KUBERNETES.Service} tenant-acme-service`,
        `${KUBERNETES.NetworkPolicy} tenant-acme-network-policy`,
        `${KUBERNETES.ResourceQuota} tenant-acme-quota`,
        `${RANDOM.RandomPassword} tenant-acme-api-key`,
      ].sort(),
    );
    const component = run.get(TENANT_APP_TYPE, "tenant-acme");
    for (const r of run.resources.filter((x) => x !== component)) {
      expect(r.parent, r.name).toBe(component.urn);
    }
    // Kubernetes names are the contract (the proxy and policy pack rely on them).
    const k8sNames = run.resources
      .filter((r) => r.type.startsWith("kubernetes:"))
      .map(
        (r) => `${r.inputs.kind} ${r.inputs.metadata.namespace ?? "-"}/${r.inputs.metadata.name}`,
      )
      .sort();
    expect(k8sNames).toEqual(
      [
        "Namespace -/dev-tenant-acme",
        "Secret dev-tenant-acme/sp-acme-env",
        "Deployment dev-tenant-acme/sp-acme",
        "Service dev-tenant-acme/sp-acme",
        "NetworkPolicy dev-tenant-acme/tenant-isolation",
        "ResourceQuota dev-tenant-acme/tenant-quota",
      ].sort(),
    );
    expect(await validateAllKubernetes(run.resources)).toBe(6);
  });

  it("outputs the namespace, the service host the proxy routes to, and a secret API key", async () => {
    const run = await deploy();
    const out = run.result;
    expect(await valueOf(out.namespace)).toBe("dev-tenant-acme");
    expect(await valueOf(out.serviceName)).toBe("sp-acme");
    expect(await valueOf(out.serviceHost)).toBe("sp-acme.dev-tenant-acme.svc.cluster.local");
    const custom = await deploy("acme", { clusterDomain: "corp.internal" });
    expect(await valueOf(custom.result.serviceHost)).toBe(
      "sp-acme.dev-tenant-acme.svc.corp.internal",
    );
    expect(out.servicePort).toBe(80);
    expect(await pulumi.isSecret(out.apiKey)).toBe(true);
    expect(await valueOf(out.apiKey)).toMatch(/^ac_dev_[A-Za-z0-9]{40}$/);
    const random = run.get(RANDOM.RandomPassword, "tenant-acme-api-key");
    expect(random.inputs).toMatchObject({ length: 40, special: false });
  });

  it("labels the namespace with tenant, environment, plan, groups and restricted Pod Security", async () => {
    const run = await deploy("acme", { groups: ["early-access", "beta"] });
    expect(run.get(KUBERNETES.Namespace, "tenant-acme-namespace").inputs.metadata.labels).toEqual({
      "agent-cloud.io/tenant": "acme",
      "agent-cloud.io/environment": "dev",
      "agent-cloud.io/plan": "standard",
      "agent-cloud.io/group.beta": "true",
      "agent-cloud.io/group.early-access": "true",
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("runs a restricted, digest-pinned pod that drains and rolls with no pod unavailable", async () => {
    const run = await deploy();
    const spec = run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const pod = spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.volumes.some((v: any) => v.hostPath !== undefined)).toBe(false);
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toBe(IMAGE);
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.resources).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "2", memory: "2Gi" },
    });
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(c.startupProbe).toEqual({
      httpGet: { path: "/api/v1/health", port: "http", scheme: "HTTP" },
      periodSeconds: 5,
      failureThreshold: 120,
      timeoutSeconds: 3,
    });
    expect(c.readinessProbe.httpGet.path).toBe("/api/v1/health");
    expect(c.livenessProbe.httpGet.path).toBe("/api/v1/health");
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
    expect(c.volumeMounts).toEqual([
      { name: "agent-config", mountPath: "/etc/agent-cloud", readOnly: true },
      { name: "writable-tmp", mountPath: "/tmp" },
    ]);
    expect(pod.volumes).toEqual([
      {
        name: "agent-config",
        secret: { secretName: "sp-acme-env", items: [{ key: "agent.json", path: "agent.json" }] },
      },
      { name: "writable-tmp", emptyDir: { sizeLimit: "1Gi" } },
    ]);
    expect(pod.topologySpreadConstraints).toBeUndefined();
  });

  it("uses the readiness path when given and one emptyDir per writable path", async () => {
    const run = await deploy("acme", {
      readinessPath: "/readyz",
      writablePaths: ["/app/.systemprompt", "/tmp"],
      writableSizeLimit: "2Gi",
    });
    const pod = run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.template.spec;
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.livenessProbe.httpGet.path).toBe("/api/v1/health");
    expect(pod.volumes.filter((v: any) => v.emptyDir)).toEqual([
      { name: "writable-app-systemprompt", emptyDir: { sizeLimit: "2Gi" } },
      { name: "writable-tmp", emptyDir: { sizeLimit: "2Gi" } },
    ]);
  });

  it("sets platform env in plain text and every credential only through the Secret", async () => {
    const run = await deploy("acme", { adminEmail: "ops@acme.example" });
    const c = run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.template.spec
      .containers[0];
    expect(c.env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "HOST", value: "0.0.0.0" },
      { name: "PORT", value: "8080" },
      { name: "AGENT_CLOUD_TENANT", value: "acme" },
      { name: "AGENT_CLOUD_ENVIRONMENT", value: "dev" },
      { name: "AGENT_CLOUD_NAMESPACE", value: "dev-tenant-acme" },
      { name: "AGENT_CLOUD_CONFIG", value: "/etc/agent-cloud/agent.json" },
      { name: "ADMIN_EMAIL", value: "ops@acme.example" },
      ...["AGENT_CLOUD_API_KEY", "ANTHROPIC_API_KEY", "DATABASE_URL"].map((key) => ({
        name: key,
        valueFrom: { secretKeyRef: { name: "sp-acme-env", key } },
      })),
    ]);
    expect(c.envFrom).toBeUndefined();

    const secret = run.get(KUBERNETES.Secret, "tenant-acme-secret");
    expect(secret.inputs.metadata).toMatchObject({
      name: "sp-acme-env",
      namespace: "dev-tenant-acme",
    });
    expect(secret.inputs.type).toBe("Opaque");
    expect(Object.keys(secret.inputs.stringData).sort()).toEqual([
      "AGENT_CLOUD_API_KEY",
      "ANTHROPIC_API_KEY",
      "DATABASE_URL",
      "agent.json",
    ]);
    for (const key of Object.keys(secret.inputs.stringData)) {
      expect(isSecretInput(secret, `stringData.${key}`), key).toBe(true);
    }
    expect(secret.inputs.stringData.AGENT_CLOUD_API_KEY).toMatch(/^ac_dev_[A-Za-z0-9]{40}$/);
    expect(secret.inputs.stringData.DATABASE_URL).toContain("/sp_acme?");

    // No credential value appears anywhere outside the Secret's stringData.
    const credentials = Object.entries<string>(secret.inputs.stringData)
      .filter(([key]) => key !== "agent.json")
      .map(([, value]) => value);
    for (const r of run.resources) {
      const text = JSON.stringify(r === secret ? { ...r.inputs, stringData: {} } : r.inputs);
      for (const value of credentials) expect(text, `${r.name}`).not.toContain(value);
    }
  });

  it("mounts the agent config as stable JSON and rolls pods only when its content changes", async () => {
    const a = await deploy("acme", { agentConfig: { model: "m", tools: ["x"] } });
    const b = await deploy("acme", { agentConfig: { tools: ["x"], model: "m" } });
    const c = await deploy("acme", { agentConfig: { model: "other", tools: ["x"] } });
    const annotation = (run: typeof a) =>
      run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.template.metadata
        .annotations[CONFIG_CHECKSUM_ANNOTATION];
    const secret = a.get(KUBERNETES.Secret, "tenant-acme-secret").inputs;
    expect(secret.metadata).toMatchObject({ name: "sp-acme-env", namespace: "dev-tenant-acme" });
    expect(JSON.parse(secret.stringData["agent.json"])).toEqual({ model: "m", tools: ["x"] });
    expect(a.ofType(KUBERNETES.ConfigMap)).toEqual([]);
    expect(annotation(a)).toMatch(/^[a-f0-9]{64}$/);
    expect(annotation(b)).toBe(annotation(a));
    expect(annotation(c)).not.toBe(annotation(a));
  });

  it("rolls pods when a credential changes, with a hash that is not itself secret", async () => {
    const annotation = async (key: string) => {
      const run = await deploy("acme", { secrets: { ANTHROPIC_API_KEY: pulumi.secret(key) } });
      const d = run.get(KUBERNETES.Deployment, "tenant-acme-deployment");
      expect(d.secretPaths).toEqual([]);
      return d.inputs.spec.template.metadata.annotations[SECRET_CHECKSUM_ANNOTATION];
    };
    const first = await annotation("sk-ant-one-xxxxxxxxxxxxxxxx");
    expect(first).toMatch(/^[a-f0-9]{64}$/);
    expect(await annotation("sk-ant-one-xxxxxxxxxxxxxxxx")).toBe(first);
    expect(await annotation("sk-ant-two-xxxxxxxxxxxxxxxx")).not.toBe(first);
  });

  it("exposes only a ClusterIP Service on port 80 to the named app port", async () => {
    const run = await deploy();
    const svc = run.get(KUBERNETES.Service, "tenant-acme-service").inputs;
    expect(svc.metadata).toMatchObject({ name: "sp-acme", namespace: "dev-tenant-acme" });
    expect(svc.spec).toEqual({
      type: "ClusterIP",
      selector: {
        "agent-cloud.io/tenant": "acme",
        "app.kubernetes.io/name": "sp-acme",
        "app.kubernetes.io/part-of": "agent-cloud",
      },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    });
  });

  it("denies by default and opens only proxy ingress, DNS, the database and the public internet", async () => {
    const run = await deploy();
    const spec = run.get(KUBERNETES.NetworkPolicy, "tenant-acme-network-policy").inputs.spec;
    expect(spec.podSelector).toEqual({});
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-edge" } } },
        ],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
    expect(spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-database" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...NON_PUBLIC_RANGES] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
  });

  it("sizes quota for replicas plus a surge and a draining pod and caps containers at the plan", async () => {
    const run = await deploy("acme", { replicas: 2 });
    expect(run.get(KUBERNETES.ResourceQuota, "tenant-acme-quota").inputs.spec).toEqual({
      hard: {
        pods: "4",
        "requests.cpu": "1",
        "requests.memory": "2Gi",
        "limits.cpu": "8",
        "limits.memory": "8Gi",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
      },
    });
    // No LimitRange: the app container states its own resources, so there is nothing to default.
    expect(run.ofType(KUBERNETES.LimitRange)).toEqual([]);
    const pod = run.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.template.spec;
    for (const c of pod.containers) {
      expect(Object.keys(c.resources.requests).sort(), c.name).toEqual(["cpu", "memory"]);
      expect(Object.keys(c.resources.limits).sort(), c.name).toEqual(["cpu", "memory"]);
    }
  });

  it("adds a PodDisruptionBudget and spreads pods only with two or more replicas", async () => {
    const one = await deploy("acme", { replicas: 1 });
    expect(one.ofType(KUBERNETES.PodDisruptionBudget)).toHaveLength(0);
    const two = await deploy("acme", { replicas: 2 });
    const pdb = two.get(KUBERNETES.PodDisruptionBudget, "tenant-acme-pdb").inputs;
    expect(pdb.metadata).toMatchObject({ name: "sp-acme", namespace: "dev-tenant-acme" });
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          "agent-cloud.io/tenant": "acme",
          "app.kubernetes.io/name": "sp-acme",
          "app.kubernetes.io/part-of": "agent-cloud",
        },
      },
    });
    const pod = two.get(KUBERNETES.Deployment, "tenant-acme-deployment").inputs.spec.template.spec;
    expect(pod.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: "kubernetes.io/hostname",
      whenUnsatisfiable: "ScheduleAnyway",
    });
    expect(await validateAllKubernetes(two.resources)).toBe(7);
  });

  it("refuses settings that would break isolation or the contract, saying what to do", () => {
    const make = (overrides: object) => () =>
      new TenantApp("tenant-acme", tenantArgs("acme", overrides));
    expect(make({ env: { DATABASE_URL: "postgres://x" } })).toThrow(
      /env\.DATABASE_URL: is set by the platform/,
    );
    expect(make({ env: { ANTHROPIC_API_KEY: "x" } })).toThrow(
      /env\.ANTHROPIC_API_KEY: is also set in tenantSecrets\.acme; keep one/,
    );
    expect(make({ secrets: { PORT: pulumi.secret("1") } })).toThrow(
      /tenantSecrets\.PORT: is set by the platform/,
    );
    expect(make({ replicas: 5 })).toThrow(/replicas 5: plan "standard" allows at most 4/);
    expect(make({ plan: { ...STANDARD, requests: { cpu: "3", memory: "1Gi" } } })).toThrow(
      /requests.cpu 3 exceeds limits.cpu 2/,
    );
    expect(make({ writablePaths: ["/etc/agent-cloud"] })).toThrow(/read-only agent config/);
    expect(make({ uid: 0 })).toThrow(/0 is root/);
    expect(make({ terminationGracePeriodSeconds: 1 })).toThrow(/at least 2/);
    expect(make({ plan: { ...STANDARD, egressCidrs: ["10.0.0.0"] } })).toThrow(
      /"10.0.0.0": must be an IPv4 CIDR/,
    );
  });

  it("gathers every problem into one ComponentArgsError before registering anything", async () => {
    const run = await runProgramCatching(() => {
      new TenantApp(
        "tenant-acme",
        tenantArgs("acme", {
          image: "nginx:latest",
          replicas: 5,
          env: { PORT: "1" },
          uid: 0,
          writablePaths: ["tmp"],
          healthPath: "health",
        }),
      );
    });
    expect(run.resources).toEqual([]);
    expect(run.result).toBeInstanceOf(ComponentArgsError);
    expect(pulumi.RunError.isInstance(run.result as Error)).toBe(true);
    expect((run.result as ComponentArgsError).problems).toEqual([
      `tenant "acme" image "nginx:latest": must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>; deploy the image component's ref or set tenants[].image to a digest`,
      `tenant "acme" replicas 5: plan "standard" allows at most 4 replicas`,
      `tenant "acme" env.PORT: is set by the platform and cannot be overridden (${RESERVED_ENV.join(", ")})`,
      `probe path "health": must start with "/"`,
      `writable path "tmp": must be an absolute path below "/" without ".."`,
      `uid 0: must be a positive integer (0 is root, refused by restricted)`,
    ]);
  });

  it("exposes its children and lets a caller adjust each one before it is registered", async () => {
    const run = await runProgram(() => {
      const app = new TenantApp(
        "tenant-acme",
        tenantArgs("acme", {
          replicas: 2,
          transform: {
            service: { metadata: { name: "sp-acme", annotations: { "example.com/x": "1" } } },
            deployment: (args, opts) => {
              args.metadata = { ...(args.metadata as object), annotations: { team: "a" } };
              opts.protect = true;
            },
          },
        }),
      );
      return {
        deployment: app.deployment.metadata.name,
        service: app.service.metadata.name,
        secret: app.secret.metadata.name,
        namespace: app.namespaceResource.metadata.name,
        networkPolicy: app.networkPolicy.metadata.name,
        quota: app.quota.metadata.name,
        pdb: app.disruptionBudget?.metadata.name,
        autoscaler: app.autoscaler,
        migrationJob: app.migrationJob,
      };
    });
    expect(await valueOf(run.result.deployment)).toBe("sp-acme");
    expect(await valueOf(run.result.service)).toBe("sp-acme");
    expect(await valueOf(run.result.secret)).toBe("sp-acme-env");
    expect(await valueOf(run.result.namespace)).toBe("dev-tenant-acme");
    expect(await valueOf(run.result.networkPolicy)).toBe("tenant-isolation");
    expect(await valueOf(run.result.quota)).toBe("tenant-quota");
    expect(await valueOf(run.result.pdb)).toBe("sp-acme");
    expect(run.result.autoscaler).toBeUndefined();
    expect(run.result.migrationJob).toBeUndefined();
    // A partial transform replaces the top-level field it names; a function edits args and opts.
    expect(run.get(KUBERNETES.Service, "tenant-acme-service").inputs.metadata).toEqual({
      name: "sp-acme",
      annotations: { "example.com/x": "1" },
    });
    const deployment = run.get(KUBERNETES.Deployment, "tenant-acme-deployment");
    expect(deployment.inputs.metadata.annotations).toEqual({ team: "a" });
    expect(deployment.inputs.metadata.name).toBe("sp-acme");
    expect(deployment.protect).toBe(true);
    // Untransformed children are exactly as without a transform.
    const plain = await deploy("acme", { replicas: 2 });
    expect(run.get(KUBERNETES.ResourceQuota, "tenant-acme-quota").inputs).toEqual(
      plain.get(KUBERNETES.ResourceQuota, "tenant-acme-quota").inputs,
    );
  });

  it("refuses an image that is not pinned by digest", () => {
    expect(
      () => new TenantApp("tenant-acme", tenantArgs("acme", { image: "nginx:latest" })),
    ).toThrow(/image "nginx:latest": must be pinned by digest/);
  });
});
