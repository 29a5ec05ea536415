/** The ManagementProxy component under mocks: exact resources, names, inputs and security facts. */
import { INTERIM_GUARD_SCRIPT } from "../../components/edge/nginx/interim-answers";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  CONFIG_CHECKSUM_ANNOTATION,
  MANAGEMENT_PROXY_TYPE,
  ManagementProxy,
  type ManagementProxyArgs,
  PROXY_NAME,
  PROXY_PORTS,
  ROUTES_CONFIG_MAP_NAME,
  http2Style,
  imageNginxVersion,
  proxyNginxConfigInput,
  routesFromTenants,
  tenantUpstreamHost,
} from "../../components/edge/management-proxy";
import {
  NginxConfigError,
  type NginxRoute,
  renderNginxConfig,
  renderNginxRoutes,
} from "../../components/edge/nginx-config";
import { renderEdgeEntrypoint } from "../../components/edge/route-reloader";
import { ComponentArgsError } from "../../components/component-args-error";
import { DEFAULT_PROXY_IMAGE } from "../../model/edge-defaults";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import {
  MOCK_LOAD_BALANCER_IP,
  type ProgramRun,
  runProgram,
  valueOf,
  runProgramCatching,
} from "../../testkit/mocks";
import { KUBERNETES } from "../../testkit/type-tokens";
import { QUANTITY_ALLOWED } from "../../model/quantity";
import { BODY_SIZE_ALLOWED } from "../../model/body-size";

const tenants = [
  { id: "acme", hosts: ["acme.dev.example.com", "agents.acme.com"] },
  { id: "globex", hosts: ["globex.dev.example.com"] },
];

const args: ManagementProxyArgs = {
  namespace: pulumi.output("dev-edge"),
  environment: "dev",
  domain: "dev.example.com",
  routes: routesFromTenants(tenants, { environment: "dev", port: 80 }),
  tlsSecretName: pulumi.output("wildcard-tls"),
};

const dev = { environment: "dev", port: 80 };
const acmeRoute = routesFromTenants([tenants[0] as (typeof tenants)[number]], dev)[0] as NginxRoute;

interface Outputs {
  serviceName: string;
  namespace: string;
  address: string;
  configChecksum: string;
  routesChecksum: string;
}

async function deploy(
  overrides: Partial<ManagementProxyArgs> = {},
): Promise<ProgramRun<ManagementProxy> & { outputs: Outputs }> {
  const run = await runProgram(() => new ManagementProxy("edge", { ...args, ...overrides }));
  const p = run.result;
  const outputs = {
    serviceName: await valueOf(p.serviceName),
    namespace: await valueOf(p.namespace),
    address: await valueOf(p.address),
    configChecksum: await valueOf(p.configChecksum),
    routesChecksum: await valueOf(p.routesChecksum),
  };
  return Object.assign(run, { outputs });
}

const podSpec = (run: ProgramRun<unknown>) =>
  run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.template.spec;

describe("ManagementProxy", () => {
  it("creates exactly two ConfigMaps, a key-table Secret, a Deployment, a Service and a PDB, named from the component", async () => {
    const run = await deploy();
    const component = run.get(MANAGEMENT_PROXY_TYPE, "edge");
    expect(run.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${MANAGEMENT_PROXY_TYPE} edge`,
        `${KUBERNETES.ConfigMap} edge-config`,
        `${KUBERNETES.ConfigMap} edge-routes`,
        `${KUBERNETES.Secret} edge-api-keys`,
        `${KUBERNETES.Deployment} edge-deployment`,
        `${KUBERNETES.PodDisruptionBudget} edge-pdb`,
        `${KUBERNETES.Service} edge-service`,
      ].sort(),
    );
    for (const r of run.resources.filter((r) => r.custom)) expect(r.parent).toBe(component.urn);
    expect(await validateAllKubernetes(run.resources)).toBe(6);
    for (const r of run.resources.filter((r) => r.custom)) {
      expect(r.inputs.metadata.namespace).toBe("dev-edge");
      expect(r.inputs.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": PROXY_NAME,
        "app.kubernetes.io/part-of": "agent-cloud",
        "agent-cloud.io/environment": "dev",
      });
    }
  });

  it("ships nginx.conf, the entry script and the interim guard in a ConfigMap named by their checksum, with no secret in it", async () => {
    const run = await deploy();
    const input = proxyNginxConfigInput({
      environment: "dev",
      domain: "dev.example.com",
      routes: args.routes,
    });
    const expected = renderNginxConfig(input);
    const entrypoint = renderEdgeEntrypoint({
      config: "/etc/agent-cloud/nginx/nginx.conf",
      routesDir: "/etc/agent-cloud/routes",
      tlsDir: "/etc/agent-cloud/tls",
      pollSeconds: 2,
    });
    const checksum = createHash("sha256")
      .update(expected)
      .update(entrypoint)
      .update(INTERIM_GUARD_SCRIPT)
      .digest("hex");
    const cm = run.get(KUBERNETES.ConfigMap, "edge-config");
    expect(cm.inputs.data).toEqual({
      "nginx.conf": expected,
      "entrypoint.sh": entrypoint,
      "interim-guard.js": INTERIM_GUARD_SCRIPT,
    });
    // nginx loads the script from where the ConfigMap is mounted.
    expect(expected).toContain(
      "js_import edge_interim from /etc/agent-cloud/nginx/interim-guard.js;",
    );
    expect(cm.inputs.metadata.name).toBe(`management-proxy-nginx-${checksum.slice(0, 10)}`);
    expect(cm.secretPaths).toEqual([]);
    expect(expected).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE|password/i);
    expect(run.outputs.configChecksum).toBe(checksum);
    expect(expected).toContain("include /etc/agent-cloud/routes/routes.conf;");
    expect(expected).not.toMatch(/acme|globex|resolver/);
    // No tenant sets a cookie for the domain the others share.
    expect(expected.match(/^ *proxy_cookie_domain .*$/gm)).toEqual([
      '      proxy_cookie_domain "~(?i)^\\s*\\.?(?:(?:.*\\.)?dev\\.example\\.com|example\\.com)\\.?\\s*$" $host;',
    ]);
  });

  it.each([
    [false, "CERT_DIRS='/etc/agent-cloud/tls'"],
    [true, "CERT_DIRS='/etc/agent-cloud/tls /etc/agent-cloud/origin-pull'"],
  ])(
    "has the entry script watch the TLS folder (and the origin-pull CA's, with originPull %s) for a renewal",
    async (originPull, line) => {
      const run = await deploy(
        originPull
          ? { originPull, originPullCaCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n" }
          : {},
      );
      const script = run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data[
        "entrypoint.sh"
      ] as string;
      expect(script).toBe(
        renderEdgeEntrypoint({
          config: "/etc/agent-cloud/nginx/nginx.conf",
          routesDir: "/etc/agent-cloud/routes",
          tlsDir: "/etc/agent-cloud/tls",
          originPullDir: originPull ? "/etc/agent-cloud/origin-pull" : undefined,
          pollSeconds: 2,
        }),
      );
      expect(script.split("\n")).toContain(line);
      // The folders the pod mounts them at.
      const mounts = podSpec(run).containers[0].volumeMounts as { mountPath: string }[];
      for (const dir of line.slice("CERT_DIRS='".length, -1).split(" "))
        expect(mounts.map((m) => m.mountPath)).toContain(dir);
    },
  );

  it("ships the route table in one stable ConfigMap, with only tenant Services upstream", async () => {
    const run = await deploy();
    const routes = renderNginxRoutes(
      proxyNginxConfigInput({ environment: "dev", routes: args.routes, drainingWorkersKept: 64 }),
    );
    const cm = run.get(KUBERNETES.ConfigMap, "edge-routes");
    // Two tenants' tables: the 1Gi default holds more draining workers than are ever kept.
    expect((cm.inputs.data["routes.conf"] as string).split("\n")[2]).toBe(
      "# Draining workers kept: 64",
    );
    expect(cm.inputs.metadata.name).toBe(ROUTES_CONFIG_MAP_NAME);
    expect(cm.inputs.data).toEqual({ "routes.conf": routes });
    expect(cm.secretPaths).toEqual([]);
    const checksum = createHash("sha256").update(routes).digest("hex");
    expect(run.outputs.routesChecksum).toBe(checksum);
    expect(cm.inputs.metadata.annotations).toEqual({ "agent-cloud.io/routes-sha256": checksum });
    // Upstreams are only ever tenant Services, built from names.ts.
    expect(routes.match(/^ {2}server .*$/gm)).toEqual([
      "  server sp-acme.dev-tenant-acme.svc.cluster.local:80;",
      "  server sp-globex.dev-tenant-globex.svc.cluster.local:80;",
    ]);
    expect(routes).toContain("keepalive_timeout 4s;");
  });

  it("changes only the route table when tenants are added, removed or changed", async () => {
    const a = await deploy();
    const withTenants = (list: typeof tenants) =>
      deploy({ routes: routesFromTenants(list, { environment: "dev", port: 80 }) });
    const changes = [
      await withTenants([...tenants, { id: "initech", hosts: ["initech.dev.example.com"] }]),
      await withTenants([tenants[1] as (typeof tenants)[number]]),
      await withTenants([{ id: "acme", hosts: ["acme.dev.example.com"] }, tenants[1]!]),
      await withTenants([]),
    ];
    const inputsOf = (run: ProgramRun<unknown>, type: string, name: string) =>
      JSON.stringify(run.get(type, name).inputs);
    for (const b of changes) {
      for (const [type, name] of [
        [KUBERNETES.Deployment, "edge-deployment"],
        [KUBERNETES.ConfigMap, "edge-config"],
        [KUBERNETES.Service, "edge-service"],
        [KUBERNETES.PodDisruptionBudget, "edge-pdb"],
      ] as const)
        expect(inputsOf(b, type, name), name).toBe(inputsOf(a, type, name));
      expect(inputsOf(b, KUBERNETES.ConfigMap, "edge-routes")).not.toBe(
        inputsOf(a, KUBERNETES.ConfigMap, "edge-routes"),
      );
      expect(b.get(KUBERNETES.ConfigMap, "edge-routes").inputs.metadata.name).toBe(
        ROUTES_CONFIG_MAP_NAME,
      );
      expect(b.outputs.configChecksum).toBe(a.outputs.configChecksum);
    }
    // Nothing in the pod template follows the route table's content.
    const template = JSON.stringify(
      a.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.template,
    );
    expect(template).not.toContain(a.outputs.routesChecksum);
    expect(template).not.toContain(a.outputs.routesChecksum.slice(0, 10));
  });

  it("rolls the pods when the main config changes and only then", async () => {
    const a = await deploy();
    const same = await deploy();
    const bigger = await deploy({ maxBodySize: "20m" });
    const annotation = (run: ProgramRun<unknown>) =>
      run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.template.metadata.annotations;
    expect(annotation(a)).toEqual({ [CONFIG_CHECKSUM_ANNOTATION]: a.outputs.configChecksum });
    expect(annotation(same)).toEqual(annotation(a));
    expect(annotation(bigger)).not.toEqual(annotation(a));
    expect(bigger.get(KUBERNETES.ConfigMap, "edge-config").inputs.metadata.name).not.toBe(
      a.get(KUBERNETES.ConfigMap, "edge-config").inputs.metadata.name,
    );
    // The pod reads the main ConfigMap of its own revision and the one route table.
    expect(podSpec(bigger).volumes.slice(0, 2)).toEqual([
      {
        name: "config",
        configMap: {
          name: bigger.get(KUBERNETES.ConfigMap, "edge-config").inputs.metadata.name,
          defaultMode: 0o444,
        },
      },
      {
        name: "routes",
        projected: {
          defaultMode: 0o444,
          sources: [
            { configMap: { name: ROUTES_CONFIG_MAP_NAME } },
            {
              secret: {
                name: "management-proxy-api-keys",
                items: [{ key: "api-keys.map", path: "api-keys.conf", mode: 0o440 }],
              },
            },
          ],
        },
      },
    ]);
  });

  it("runs a hardened, non-root nginx with a read-only root filesystem", async () => {
    const run = await deploy();
    const spec = podSpec(run);
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 101,
      runAsGroup: 101,
      fsGroup: 101,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.containers).toHaveLength(1);
    const [c] = spec.containers;
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 101,
      runAsGroup: 101,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    // The schema's default too: nginx 1.27.5 pinned by digest (what production requires).
    expect(c.image).toBe(DEFAULT_PROXY_IMAGE);
    expect(c.image).toMatch(/^nginx:1\.27\.5-alpine@sha256:[0-9a-f]{64}$/);
    expect(c.command).toEqual(["/bin/sh", "/etc/agent-cloud/nginx/entrypoint.sh"]);
    expect(c.args).toBeUndefined();
    expect(spec.dnsConfig).toEqual({ options: [{ name: "ndots", value: "1" }] });
    expect(c.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "https", containerPort: 8443, protocol: "TCP" },
      { name: "health", containerPort: 8081, protocol: "TCP" },
    ]);
    for (const p of c.ports) expect(p.containerPort).toBeGreaterThan(1024);
    expect(c.volumeMounts).toEqual([
      { name: "config", mountPath: "/etc/agent-cloud/nginx", readOnly: true },
      { name: "routes", mountPath: "/etc/agent-cloud/routes", readOnly: true },
      { name: "tls", mountPath: "/etc/agent-cloud/tls", readOnly: true },
      { name: "run", mountPath: "/tmp/nginx" },
    ]);
    expect(spec.volumes.slice(2)).toEqual([
      { name: "tls", secret: { secretName: "wildcard-tls", defaultMode: 0o440 } },
      { name: "run", emptyDir: { sizeLimit: "2Gi" } },
    ]);
    expect(spec.volumes.some((v: Record<string, unknown>) => "hostPath" in v)).toBe(false);
    // The config points nginx only at the mounted, writable and read-only paths above.
    const config = run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data["nginx.conf"] as string;
    expect(config).toContain("pid /tmp/nginx/nginx.pid;");
    expect(config).toContain("ssl_certificate /etc/agent-cloud/tls/tls.crt;");
    expect(config).toContain(`listen ${PROXY_PORTS.https} ssl default_server reuseport;`);
    // The shipped image is 1.27.5: HTTP/2 by its own directive.
    expect(config).toContain("http2 on;");
  });

  it("rolls out and shuts down without dropping requests", async () => {
    const run = await deploy();
    const d = run.get(KUBERNETES.Deployment, "edge-deployment").inputs;
    expect(d.metadata.name).toBe(PROXY_NAME);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const spec = podSpec(run);
    const [c] = spec.containers;
    expect(c.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
    const preStop = c.lifecycle.preStop.exec.command;
    expect(preStop.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(preStop[2]).toMatch(
      /^sleep 10; nginx -c \/etc\/agent-cloud\/nginx\/nginx.conf -e \/dev\/stderr -s quit/,
    );
    expect(preStop[2]).toContain("while kill -0 1 2>/dev/null && [ $i -lt 60 ]");
    expect(preStop[2]).toMatch(/-s stop 2>\/dev\/null \|\| true$/);
    // Drain (10 s) + shutdown (60 s) + slack.
    expect(spec.terminationGracePeriodSeconds).toBe(75);
    // Old workers keep open streams for an hour after a reload (a route change).
    expect(run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data["nginx.conf"]).toContain(
      "worker_shutdown_timeout 3600s;",
    );
    expect(spec.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(
      d.spec.selector.matchLabels,
    );
  });

  it("exposes a LoadBalancer Service on 80/443 with its annotations and outputs its address", async () => {
    const run = await deploy({
      serviceAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
    });
    const svc = run.get(KUBERNETES.Service, "edge-service").inputs;
    expect(svc.metadata.name).toBe(PROXY_NAME);
    expect(svc.metadata.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    });
    expect(svc.spec.type).toBe("LoadBalancer");
    expect(svc.spec.ports).toEqual([
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
      { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
    ]);
    const podLabels = run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.template
      .metadata.labels;
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(podLabels[k]).toBe(v);
    expect(run.outputs).toEqual({
      serviceName: PROXY_NAME,
      namespace: "dev-edge",
      address: MOCK_LOAD_BALANCER_IP,
      configChecksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      routesChecksum: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it.each([
    [
      "NodePort",
      { serviceType: "NodePort", nodePorts: { http: 30080, https: 30443 } },
      [30080, 30443],
    ],
    ["NodePort without fixed ports", { serviceType: "NodePort" }, [undefined, undefined]],
    ["ClusterIP", { serviceType: "ClusterIP" }, [undefined, undefined]],
  ] as const)("has no address as %s", async (_, overrides, nodePorts) => {
    const run = await deploy(overrides);
    const svc = run.get(KUBERNETES.Service, "edge-service").inputs;
    expect(svc.spec.type).toBe(overrides.serviceType);
    expect(svc.spec.ports.map((p: { nodePort?: number }) => p.nodePort)).toEqual(nodePorts);
    expect(run.outputs.address).toBe("");
    expect(await validateAllKubernetes(run.resources)).toBe(6);
  });

  it.each([
    [1, 1],
    [2, 1],
    [5, 1],
  ])(
    "with %i replicas the PDB lets %i pod go at a time (never blocks every disruption)",
    async (replicas, maxUnavailable) => {
      const run = await deploy({ replicas });
      expect(run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.replicas).toBe(replicas);
      const pdb = run.get(KUBERNETES.PodDisruptionBudget, "edge-pdb").inputs;
      expect(pdb.spec).toEqual({
        selector: run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.selector,
        maxUnavailable,
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      });
    },
  );

  it("passes config settings through to nginx and the pod", async () => {
    const run = await deploy({
      maxBodySize: "50m",
      connectTimeoutSeconds: 3,
      readTimeoutSeconds: 7200,
      sendTimeoutSeconds: 600,
      resolver: "10.96.0.10",
      clusterDomain: "k8s.internal",
      routes: routesFromTenants(tenants, {
        environment: "dev",
        port: 8080,
        clusterDomain: "k8s.internal",
      }),
      image: "nginx@sha256:" + "a".repeat(64),
      workerProcesses: 4,
      shutdownTimeoutSeconds: 120,
      reloadDrainSeconds: 900,
      upstreamKeepaliveSeconds: 2,
      drainSeconds: 15,
      apiKeyPrefix: "ac_dev_",
    });
    const config = run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data["nginx.conf"] as string;
    for (const line of [
      "client_max_body_size 50m;",
      "proxy_connect_timeout 3s;",
      "proxy_read_timeout 7200s;",
      "proxy_send_timeout 600s;",
      "worker_processes 4;",
      "worker_shutdown_timeout 900s;",
      // A digest-only image says no version: the listen parameter every nginx knows.
      "listen 8443 ssl http2 default_server reuseport;",
    ])
      expect(config).toContain(line);
    expect(config).not.toContain("resolver");
    const routes = run.get(KUBERNETES.ConfigMap, "edge-routes").inputs.data[
      "routes.conf"
    ] as string;
    expect(routes).toContain("server sp-acme.dev-tenant-acme.svc.k8s.internal:8080;");
    expect(routes).toContain("keepalive_timeout 2s;");
    const spec = podSpec(run);
    expect(spec.containers[0].image).toBe(`nginx@sha256:${"a".repeat(64)}`);
    expect(spec.terminationGracePeriodSeconds).toBe(15 + 120 + 5);
    expect(spec.containers[0].lifecycle.preStop.exec.command[2]).toMatch(/^sleep 15;/);
  });

  it.each<[string, Partial<ManagementProxyArgs>, number]>([
    ["the default resources (a 2-CPU limit)", {}, 2],
    ["a 500m CPU limit", { resources: { limits: { cpu: "500m", memory: "1Gi" } } }, 1],
    ["a 1500m CPU limit", { resources: { limits: { cpu: "1500m", memory: "1Gi" } } }, 2],
    ["a 4-CPU limit", { resources: { limits: { cpu: "4", memory: "1Gi" } } }, 4],
    ["limits without a CPU limit", { resources: { limits: { memory: "1Gi" } } }, 2],
    [
      "a CPU limit known only at deployment",
      { resources: { limits: { cpu: pulumi.output("8"), memory: "1Gi" } } },
      2,
    ],
    [
      "workerProcesses beside an 8-CPU limit",
      { workerProcesses: 3, resources: { limits: { cpu: "8", memory: "1Gi" } } },
      3,
    ],
  ])("runs the nginx workers %s sets: %i", async (_, overrides, workers) => {
    const run = await deploy(overrides);
    const config = run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data["nginx.conf"] as string;
    expect(config.split("\n").filter((line) => line.startsWith("worker_processes"))).toEqual([
      `worker_processes ${workers};`,
    ]);
  });

  /** `count` tenants `t0` … with one host each. */
  const fleet = (count: number) =>
    routesFromTenants(
      Array.from({ length: count }, (_, i) => ({ id: `t${i}`, hosts: [`t${i}.dev.example.com`] })),
      dev,
    );

  it.each([
    ["the default 1Gi", 10_000, {}, "3"],
    [
      "2Gi with four workers",
      10_000,
      { workerProcesses: 4, resources: { limits: { memory: "2Gi" } } },
      "8",
    ],
    ["2Gi", 1_000, { resources: { limits: { cpu: "2", memory: "2Gi" } } }, "64"],
    [
      "2Gi with a 4-CPU limit (four workers)",
      10_000,
      { resources: { limits: { cpu: "4", memory: "2Gi" } } },
      "8",
    ],
    ["512Mi", 1_000, { resources: { limits: { memory: "512Mi" } } }, "17"],
    // Decimal: 512,000,000 bytes, 24 MiB less than 512Mi, one draining worker fewer.
    ["512M", 1_000, { resources: { limits: { memory: "512M" } } }, "16"],
    ["no memory limit", 10_000, { resources: { limits: { cpu: "2" } } }, "64"],
  ])(
    "keeps as many draining workers as %s holds beside a %i-tenant table",
    async (_, count, overrides: Partial<ManagementProxyArgs>, kept) => {
      const run = await deploy({ routes: fleet(count), ...overrides });
      const routes = run.get(KUBERNETES.ConfigMap, "edge-routes").inputs.data[
        "routes.conf"
      ] as string;
      expect(routes.split("\n")[2]).toBe(`# Draining workers kept: ${kept}`);
    },
    60_000,
  );

  it.each<[string, Partial<ManagementProxyArgs>, string]>([
    [
      "a limit too small for one route change's draining workers",
      { routes: fleet(5_000), resources: { limits: { memory: "256Mi" } } },
      `resources.limits.memory "256Mi": holds 0 draining nginx workers beside 5000 tenants' route table (about 79 MiB a copy), fewer than the 2 workers a route change leaves draining: at least 416Mi is needed`,
    ],
    [
      "the default limit with many workers",
      { routes: fleet(10_000), workerProcesses: 8 },
      `resources.limits.memory "1Gi" (the default): holds 0 draining nginx workers beside 10000 tenants' route table (about 157 MiB a copy), fewer than the 8 workers a route change leaves draining: at least 2347Mi is needed`,
    ],
    [
      "the default limit beside an 8-CPU limit's workers",
      { routes: fleet(10_000), resources: { limits: { cpu: "8", memory: "1Gi" } } },
      `resources.limits.memory "1Gi": holds 0 draining nginx workers beside 10000 tenants' route table (about 157 MiB a copy), fewer than the 8 workers a route change leaves draining: at least 2347Mi is needed (8 workers: one per CPU of resources.limits.cpu "8"; workerProcesses sets fewer)`,
    ],
    [
      "a CPU limit that is not a quantity",
      { resources: { limits: { cpu: "two", memory: "1Gi" } } },
      `resources.limits.cpu "two": ${QUANTITY_ALLOWED}`,
    ],
    [
      "a zero CPU limit, which Kubernetes reads as none",
      { resources: { limits: { cpu: "0", memory: "1Gi" } } },
      `resources.limits.cpu "0": must be greater than 0, such as 500m or 2: Kubernetes takes a limit of 0 as no limit, so the container could use every CPU of its node`,
    ],
    [
      "a CPU limit past the most workers",
      { resources: { limits: { cpu: "300", memory: "1Gi" } } },
      `resources.limits.cpu "300": runs one nginx worker per CPU, at most 256; set workerProcesses for a larger limit`,
    ],
    [
      "a decimal memory suffix",
      { resources: { limits: { memory: "512MB" } } },
      `resources.limits.memory "512MB": ${QUANTITY_ALLOWED}`,
    ],
    [
      "a limit known only at deployment",
      { resources: pulumi.output({ limits: { memory: "1Gi" } }) },
      "resources.limits.memory: must be a plain quantity when the program runs, not an Output or a Promise: it sizes how many old nginx workers may drain after a route change",
    ],
  ])(
    "refuses %s, naming what it needs",
    async (_, overrides, message) => {
      await expect(deploy(overrides)).rejects.toThrow(message);
    },
    60_000,
  );

  it("refuses zero limits once each: no draining budget is sized from a zero memory limit", async () => {
    const run = await runProgramCatching(() => {
      new ManagementProxy("edge", {
        ...args,
        resources: { requests: { cpu: "0", memory: "0" }, limits: { cpu: "0m", memory: "0" } },
      });
    });
    expect((run.result as ComponentArgsError).problems).toEqual([
      `resources.limits.cpu "0m": must be greater than 0, such as 500m or 2: Kubernetes takes a limit of 0 as no limit, so the container could use every CPU of its node`,
      `resources.limits.memory "0": must be greater than 0, such as 512Mi or 1Gi: Kubernetes takes a limit of 0 as no limit, so the container could use all of its node's memory`,
    ]);
  });

  it("lists nginx's own problems beside the memory limit's", async () => {
    const run = await runProgramCatching(() => {
      new ManagementProxy("edge", {
        ...args,
        resources: { limits: { memory: "512MB" } },
        maxBodySize: "lots",
      });
    });
    expect((run.result as ComponentArgsError).problems).toEqual([
      `resources.limits.memory "512MB": ${QUANTITY_ALLOWED}`,
      `maxBodySize "lots": ${BODY_SIZE_ALLOWED}`,
    ]);
  });

  it.each<[string, Partial<ManagementProxyArgs>, RegExp]>([
    [
      "an unpinned image",
      { image: "nginx" },
      /image "nginx" must be pinned by a version tag or a digest/,
    ],
    ["the latest tag", { image: "nginx:latest" }, /image "nginx:latest" must be pinned/],
    [
      "node ports on a LoadBalancer",
      { nodePorts: { http: 30080, https: 30443 } },
      /nodePorts \{"http":30080,"https":30443\}: only applies when serviceType is "NodePort" \(got "LoadBalancer"\)/,
    ],
    [
      "a node port out of range",
      { serviceType: "NodePort", nodePorts: { http: 80, https: 30443 } },
      /nodePorts.http 80: must be in the node port range 30000-32767/,
    ],
    ["zero replicas", { replicas: 0 }, /replicas 0 must be a whole number of at least 1/],
    ["a negative drain", { drainSeconds: -1 }, /drainSeconds -1/],
    ["a zero shutdown", { shutdownTimeoutSeconds: 0 }, /shutdownTimeoutSeconds 0 must be/],
    [
      "an uppercase host",
      { routes: routesFromTenants([{ id: "acme", hosts: ["ACME.example.com"] }], dev) },
      /routes\[0\]\.hosts\[0\] "ACME.example.com"/,
    ],
    [
      "a route to a Service that is not the tenant's",
      { routes: [{ ...acmeRoute, upstreamHost: "kubernetes.default.svc.cluster.local" }] },
      /proxy routes\[0\]\.upstreamHost "kubernetes.default.svc.cluster.local": must be tenant "acme"'s own Service sp-acme.dev-tenant-acme.svc.cluster.local/,
    ],
    [
      "a route to another tenant's Service",
      {
        routes: [{ ...acmeRoute, upstreamHost: "sp-globex.dev-tenant-globex.svc.cluster.local" }],
      },
      /must be tenant "acme"'s own Service/,
    ],
    [
      "a route in another environment",
      { routes: [{ ...acmeRoute, upstreamHost: "sp-acme.prod-tenant-acme.svc.cluster.local" }] },
      /must be tenant "acme"'s own Service/,
    ],
    [
      "no domain (a caller without types)",
      { domain: undefined },
      /domain: required, the domain tenants are served under \(\{id\}\.\{domain\}\)/,
    ],
    [
      "a domain that is no DNS name",
      { domain: "Dev.Example.com" },
      /domain "Dev.Example.com": must be a lowercase DNS name such as agents.example.com, the domain tenants are served under/,
    ],
  ])("refuses %s when the program runs", async (_, overrides, message) => {
    await expect(deploy(overrides)).rejects.toThrow(message);
  });

  it.each([0, 2.5, 257])(
    "refuses workerProcesses %s naming that arg alone, not nginx's own field",
    async (workerProcesses) => {
      const run = await runProgramCatching(() => {
        new ManagementProxy("edge", { ...args, workerProcesses });
      });
      expect(run.resources).toEqual([]);
      expect((run.result as ComponentArgsError).problems).toEqual([
        `workerProcesses ${workerProcesses} must be a whole number from 1 to 256`,
      ]);
    },
  );

  it("never quotes an image or a limit that looks like a token (showReceived)", async () => {
    const token = "Xq7cF0rT9kLmN2pQ4sV6wY8zA1bC3dE5fG7hJ9kL";
    const run = await runProgramCatching(() => {
      new ManagementProxy("edge", {
        ...args,
        image: token,
        resources: { limits: { cpu: token, memory: token } },
      });
    });
    expect(run.resources).toEqual([]);
    const err = run.result as ComponentArgsError;
    expect(err).toBeInstanceOf(ComponentArgsError);
    expect(err.problems).toEqual([
      "image (not shown: it looks like a token) must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine",
      `resources.limits.cpu (not shown: it looks like a token): ${QUANTITY_ALLOWED}`,
      `resources.limits.memory (not shown: it looks like a token): ${QUANTITY_ALLOWED}`,
    ]);
    expect(err.message).not.toContain(token);
  });

  it("gathers every problem into one ComponentArgsError before registering anything", async () => {
    const run = await runProgramCatching(() => {
      new ManagementProxy("edge", {
        ...args,
        image: "nginx",
        replicas: 0,
        serviceType: "ClusterIP",
        externalTrafficPolicy: "Local",
        routes: routesFromTenants([{ id: "acme", hosts: ["ACME.example.com"] }], dev),
      });
    });
    // Not even the component itself was registered.
    expect(run.resources).toEqual([]);
    const err = run.result;
    expect(err).toBeInstanceOf(ComponentArgsError);
    const problems = (err as ComponentArgsError).problems;
    expect(problems.slice(0, 3)).toEqual([
      'image "nginx" must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine',
      "replicas 0 must be a whole number of at least 1",
      'externalTrafficPolicy "Local": does not apply to serviceType "ClusterIP"; remove it',
    ]);
    expect(problems.slice(3).join("\n")).toMatch(/routes\[0\]\.hosts\[0\] "ACME.example.com"/);
    expect((err as ComponentArgsError).message).toMatch(/^ManagementProxy "edge": \d+ problems:\n/);
  });

  it("exposes its children and lets a caller adjust each before it is registered", async () => {
    const run = await runProgram(
      () =>
        new ManagementProxy("edge", {
          ...args,
          transform: {
            deployment: (deploymentArgs) => {
              (deploymentArgs.metadata as { annotations?: Record<string, string> }).annotations = {
                "example.com/owner": "edge-team",
              };
            },
            service: { metadata: { name: PROXY_NAME, annotations: { "example.com/lb": "x" } } },
            podDisruptionBudget: (_, opts) => {
              opts.protect = true;
            },
          },
        }),
    );
    const proxy = run.result;
    const [deploymentUrn, serviceUrn, pdbUrn, configUrn, routesUrn, keysUrn] = await Promise.all(
      [
        proxy.deployment,
        proxy.service,
        proxy.podDisruptionBudget,
        proxy.configMap,
        proxy.routesConfigMap,
        proxy.apiKeysSecret,
      ].map((child) => valueOf(child.urn)),
    );
    expect(deploymentUrn).toMatch(/::edge-deployment$/);
    expect(serviceUrn).toMatch(/::edge-service$/);
    expect(pdbUrn).toMatch(/::edge-pdb$/);
    expect(configUrn).toMatch(/::edge-config$/);
    expect(routesUrn).toMatch(/::edge-routes$/);
    expect(keysUrn).toMatch(/::edge-api-keys$/);
    expect(proxy.originPullCaConfigMap).toBeUndefined();
    const deployment = run.get(KUBERNETES.Deployment, "edge-deployment");
    expect(deployment.inputs.metadata.annotations).toEqual({ "example.com/owner": "edge-team" });
    // The rest of the Deployment is the component's own.
    expect(deployment.inputs.spec.replicas).toBe(2);
    expect(run.get(KUBERNETES.Service, "edge-service").inputs.metadata).toEqual({
      name: PROXY_NAME,
      annotations: { "example.com/lb": "x" },
    });
    expect(run.get(KUBERNETES.PodDisruptionBudget, "edge-pdb").protect).toBe(true);
    // Names and parents are not the transform's to change.
    const component = run.get(MANAGEMENT_PROXY_TYPE, "edge");
    for (const r of run.resources.filter((r) => r.custom)) expect(r.parent).toBe(component.urn);
  });

  it("surfaces a host claimed by two tenants as a NginxConfigError", () => {
    expect(() =>
      renderNginxConfig(
        proxyNginxConfigInput({
          environment: "dev",
          routes: routesFromTenants(
            [
              { id: "a", hosts: ["x.example.com"] },
              { id: "b", hosts: ["x.example.com"] },
            ],
            { environment: "dev", port: 80 },
          ),
        }),
      ),
    ).toThrow(NginxConfigError);
  });
});

describe("route helpers", () => {
  it("routes every tenant's hosts to its own Service in its own namespace", () => {
    expect(routesFromTenants(tenants, { environment: "dev", port: 80 })).toEqual([
      {
        tenantId: "acme",
        hosts: ["acme.dev.example.com", "agents.acme.com"],
        upstreamHost: "sp-acme.dev-tenant-acme.svc.cluster.local",
        upstreamPort: 80,
      },
      {
        tenantId: "globex",
        hosts: ["globex.dev.example.com"],
        upstreamHost: "sp-globex.dev-tenant-globex.svc.cluster.local",
        upstreamPort: 80,
      },
    ]);
    expect(tenantUpstreamHost("prod", "acme", "cluster.local")).toBe(
      "sp-acme.prod-tenant-acme.svc.cluster.local",
    );
    const input = proxyNginxConfigInput({
      environment: "prod",
      routes: routesFromTenants(tenants, { environment: "prod", port: 80 }),
    });
    expect(input.apiKeyPrefix).toBe("ac_prod_");
    expect(input.routes.map((r) => r.upstreamHost)).toEqual([
      "sp-acme.prod-tenant-acme.svc.cluster.local",
      "sp-globex.prod-tenant-globex.svc.cluster.local",
    ]);
    expect(input.listen).toEqual({ http: 8080, https: 8443, health: 8081 });
  });
});

describe("nginx version of the image", () => {
  it.each([
    ["nginx:1.27.5-alpine", "1.27.5", "directive"],
    ["nginx:1.27.5-alpine@sha256:" + "a".repeat(64), "1.27.5", "directive"],
    ["nginx:1.25.1", "1.25.1", "directive"],
    ["nginx:1.25.0", "1.25.0", "listen"],
    ["registry.example.com/nginx:1.22.1-bookworm", "1.22.1", "listen"],
    ["nginx@sha256:" + "a".repeat(64), undefined, "listen"],
    ["nginx:stable-alpine", undefined, "listen"],
  ] as const)("reads %s as %s (HTTP/2 by %s)", (image, version, style) => {
    expect(imageNginxVersion(image)).toBe(version);
    expect(http2Style(version ?? "0.0.0")).toBe(style);
  });
});
