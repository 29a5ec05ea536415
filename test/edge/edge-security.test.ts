/**
 * The edge's security objects under mocks: the key table is a Secret (never a ConfigMap, never
 * the nginx.conf), keys rotate by generation with an overlap, the Service admits only the
 * configured ranges, origin pulls mount their CA, and the platform wires config to all of it.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  ManagementProxy,
  type ManagementProxyArgs,
  routesFromTenants,
} from "../../components/edge/management-proxy";
import { renderApiKeyTable } from "../../components/edge/nginx/auth";
import { edgeSecurityArgs } from "../../components/edge/edge-security-args";
import { Platform } from "../../components/platform";
import { API_KEY_ALPHABET, deriveApiKey } from "../../components/tenant/api-key";
import { CLOUDFLARE_ORIGIN_PULL_CA, CLOUDFLARE_RANGES } from "../../stacks/config/cloudflare";
import { parseConfig } from "../../stacks/config/parse";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { isSecretInput, runProgram } from "../../testkit/mocks";
import { KUBERNETES, RANDOM } from "../../testkit/type-tokens";

const A = `ac_dev_${"A1b2".repeat(10)}`;
const A_OLD = `ac_dev_${"Z9y8".repeat(10)}`;
const G = `ac_dev_${"g7H6".repeat(10)}`;

const args: ManagementProxyArgs = {
  namespace: pulumi.output("dev-edge"),
  environment: "dev",
  domain: "dev.example.com",
  routes: routesFromTenants(
    [
      { id: "acme", hosts: ["acme.dev.example.com"] },
      { id: "globex", hosts: ["globex.dev.example.com"] },
    ],
    { environment: "dev", port: 80 },
  ),
  tlsSecretName: pulumi.output("wildcard-tls"),
  apiKeys: {
    acme: { current: pulumi.secret(A), previous: pulumi.secret(A_OLD) },
    globex: { current: pulumi.secret(G) },
  },
};

/** The random resources keys come from (database passwords are random too). */
const keyResources = (run: { ofType(t: string): { name: string }[] }) =>
  run
    .ofType(RANDOM.RandomPassword)
    .map((r) => r.name)
    .filter((n) => /-api-key(-seed)?$/.test(n))
    .sort();

const deploy = (overrides: Partial<ManagementProxyArgs> = {}) =>
  runProgram(() => new ManagementProxy("edge", { ...args, ...overrides }));

describe("the proxy's key table", () => {
  it("is a Secret of its own, secret end to end, mounted read-only for nginx alone", async () => {
    const run = await deploy();
    const secret = run.get(KUBERNETES.Secret, "edge-api-keys");
    expect(secret.inputs.type).toBe("Opaque");
    expect(secret.inputs.metadata).toMatchObject({
      name: "management-proxy-api-keys",
      namespace: "dev-edge",
    });
    expect(secret.inputs.stringData).toEqual({
      "api-keys.map": [
        `"${A}" "acme:${A}";`,
        `"${A_OLD}" "acme:${A_OLD}";`,
        `"${G}" "globex:${G}";`,
      ]
        .sort()
        .join("\n")
        .concat("\n"),
    });
    expect(isSecretInput(secret, "stringData.api-keys.map")).toBe(true);
    // Projected beside the route table: a new key is swapped in and taken by the same graceful
    // reload as a new route; the pods never roll for it (no annotation follows the keys).
    const pod = run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.template;
    expect(pod.spec.volumes).toContainEqual({
      name: "routes",
      projected: {
        defaultMode: 0o444,
        sources: [
          { configMap: { name: "management-proxy-routes" } },
          {
            secret: {
              name: "management-proxy-api-keys",
              items: [{ key: "api-keys.map", path: "api-keys.conf", mode: 0o440 }],
            },
          },
        ],
      },
    });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({
      name: "routes",
      mountPath: "/etc/agent-cloud/routes",
      readOnly: true,
    });
    expect(Object.keys(pod.metadata.annotations)).toEqual(["agent-cloud.io/nginx-config-sha256"]);
    expect(await validateAllKubernetes(run.resources)).toBe(6);
  });

  it("never puts a key in a ConfigMap: nginx.conf only names the file", async () => {
    const run = await deploy();
    const maps = run.ofType(KUBERNETES.ConfigMap);
    expect(maps.map((m) => m.name).sort()).toEqual(["edge-config", "edge-routes"]);
    const text = JSON.stringify(maps.map((m) => m.inputs));
    for (const k of [A, A_OLD, G]) expect(text).not.toContain(k);
    expect(run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data["nginx.conf"]).toContain(
      "include /etc/agent-cloud/routes/api-keys.conf;",
    );
    for (const r of run.resources.filter((r) => r.type !== KUBERNETES.Secret))
      expect(JSON.stringify(r.inputs), r.name).not.toMatch(/ac_dev_[A-Za-z0-9]{40}/);
  });

  it("is empty (every edge-mode request refused) when no key is given", async () => {
    const run = await deploy({ apiKeys: undefined });
    expect(run.get(KUBERNETES.Secret, "edge-api-keys").inputs.stringData).toEqual({
      "api-keys.map": "# no keys\n",
    });
  });

  it("refuses keys that are not platform keys, and one key for two tenants, naming no key", () => {
    expect(() => renderApiKeyTable([{ tenantId: "acme", keys: ['ac_dev_x" "evil'] }])).toThrow(
      'API key table: a key of tenant "acme" is not ac_<environment>_ followed by 40 letters and digits',
    );
    expect(() =>
      renderApiKeyTable([
        { tenantId: "acme", keys: [A] },
        { tenantId: "globex", keys: [A.toLowerCase()] },
      ]),
    ).toThrow('API key table: tenants "acme" and "globex" share a key; rotate one of them');
  });
});

describe("derived keys", () => {
  it("are ac_<env>_ and 40 letters and digits, one per environment, tenant and generation", () => {
    const seed = "s".repeat(64);
    const keys = new Set<string>();
    for (const env of ["dev", "production"])
      for (const tenant of ["acme", "globex"])
        for (const g of [1, 2, 3]) {
          const k = deriveApiKey(seed, env, tenant, g);
          expect(k).toMatch(new RegExp(`^ac_${env}_[${API_KEY_ALPHABET}]{40}$`));
          expect(deriveApiKey(seed, env, tenant, g)).toBe(k);
          keys.add(k);
        }
    expect(keys.size).toBe(12);
    expect(deriveApiKey("t".repeat(64), "dev", "acme", 1)).not.toBe(
      deriveApiKey(seed, "dev", "acme", 1),
    );
    expect(() => deriveApiKey(seed, "dev", "acme", 0)).toThrow(
      "derived API keys start at generation 1",
    );
    expect(() => deriveApiKey("short", "dev", "acme", 1)).toThrow("at least 32 characters");
  });
});

describe("the proxy's Service and origin pulls", () => {
  it("admits only the given ranges and keeps the client address with Local traffic", async () => {
    const run = await deploy({
      sourceRanges: [...CLOUDFLARE_RANGES],
      externalTrafficPolicy: "Local",
    });
    const spec = run.get(KUBERNETES.Service, "edge-service").inputs.spec;
    expect(spec.loadBalancerSourceRanges).toEqual(CLOUDFLARE_RANGES);
    expect(spec.externalTrafficPolicy).toBe("Local");
    expect(await validateAllKubernetes(run.resources)).toBe(6);
    const open = (await deploy()).get(KUBERNETES.Service, "edge-service").inputs.spec;
    expect(open.loadBalancerSourceRanges).toBeUndefined();
    expect(open.externalTrafficPolicy).toBeUndefined();
  });

  it("mounts the origin-pull CA and makes nginx demand the client certificate", async () => {
    const run = await deploy({
      originPull: true,
      originPullCaCertificate: CLOUDFLARE_ORIGIN_PULL_CA,
      realIpFrom: ["173.245.48.0/20"],
    });
    const ca = run.get(KUBERNETES.ConfigMap, "edge-origin-pull-ca");
    expect(ca.inputs.data).toEqual({ "ca.crt": CLOUDFLARE_ORIGIN_PULL_CA });
    const pod = run.get(KUBERNETES.Deployment, "edge-deployment").inputs.spec.template.spec;
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "origin-pull",
      mountPath: "/etc/agent-cloud/origin-pull",
      readOnly: true,
    });
    const conf = run.get(KUBERNETES.ConfigMap, "edge-config").inputs.data["nginx.conf"] as string;
    expect(conf).toContain("ssl_client_certificate /etc/agent-cloud/origin-pull/ca.crt;");
    expect(conf).toContain("ssl_verify_client on;");
    expect(conf).toContain("set_real_ip_from 173.245.48.0/20;");
    expect(conf).toContain("real_ip_header CF-Connecting-IP;");
    expect(await validateAllKubernetes(run.resources)).toBe(7);
  });

  it.each([
    [
      { serviceType: "NodePort" as const, sourceRanges: ["203.0.113.0/24"] },
      'sourceRanges ["203.0.113.0/24"]: only applies when serviceType is "LoadBalancer" (got "NodePort"); restrict a NodePort with the nodes\' firewall',
    ],
    [{ originPull: true }, "originPull needs originPullCaCertificate, a PEM CA certificate"],
  ])("refuses %j", async (overrides, message) => {
    await expect(deploy(overrides)).rejects.toThrow(`ManagementProxy "edge": ${message}`);
  });
});

describe("the platform wires the edge's security from config", () => {
  const config = (tenants: unknown[], extra: Record<string, unknown> = {}) =>
    parseConfig({
      environment: "dev",
      domain: "dev.example.com",
      image: { ref: `ghcr.io/acme/agent@sha256:${"a".repeat(64)}` },
      tenants,
      ...extra,
    });

  it("passes auth modes, public paths, plan limits and the Cloudflare lock to the proxy", () => {
    const c = config(
      [
        { id: "acme", plan: "pro", publicPaths: ["/login", "/oauth/*"] },
        { id: "gateway", auth: "app" },
        { id: "globex", plan: "pro" },
      ],
      {
        dns: {
          provider: "cloudflare",
          zoneId: "0".repeat(32),
          zoneName: "example.com",
          edgeCertificate: "advanced",
        },
      },
    );
    expect(edgeSecurityArgs(c)).toEqual({
      domain: "dev.example.com",
      tenantAuth: [
        { tenantId: "acme", mode: "edge", publicPaths: ["/login", "/oauth/*"] },
        { tenantId: "gateway", mode: "app", publicPaths: ["/api/v1/health"] },
        { tenantId: "globex", mode: "edge", publicPaths: ["/api/v1/health"] },
      ],
      limits: c.proxy.limits,
      planLimits: [
        { plan: "pro", requestsPerSecond: 200, requestBurst: 400, tenantIds: ["acme", "globex"] },
        { plan: "standard", requestsPerSecond: 50, requestBurst: 100, tenantIds: ["gateway"] },
        { plan: "starter", requestsPerSecond: 20, requestBurst: 40, tenantIds: [] },
      ],
      realIpFrom: CLOUDFLARE_RANGES,
      realIpHeader: "CF-Connecting-IP",
      originPull: false,
      originPullCaCertificate: undefined,
      sourceRanges: CLOUDFLARE_RANGES,
      externalTrafficPolicy: "Local",
    });
  });

  it("keeps generation 0 as it was, derives later keys from one seed, and overlaps on rotation", async () => {
    const run = await runProgram(
      () =>
        new Platform("p", {
          config: config([
            { id: "acme" },
            { id: "globex", apiKey: { generation: 1, acceptPrevious: true } },
            { id: "initech", apiKey: { generation: 3 } },
          ]),
          projectRoot: process.cwd(),
        }),
    );
    // Generation 0's random key exists while generation 0 or 1 is in use; one seed for the rest.
    expect(keyResources(run)).toEqual([
      "p-api-key-seed",
      "p-tenant-acme-api-key",
      "p-tenant-globex-api-key",
    ]);
    const env = (id: string) =>
      run.get(KUBERNETES.Secret, `p-tenant-${id}-secret`).inputs.stringData as Record<
        string,
        string
      >;
    const table = run.get(KUBERNETES.Secret, "p-proxy-api-keys").inputs.stringData[
      "api-keys.map"
    ] as string;
    const seed = run.get(RANDOM.RandomPassword, "p-api-key-seed").state.result as string;

    expect(env("acme").AGENT_CLOUD_API_KEY).toMatch(/^ac_dev_mock[0-9a-f]{36}$/);
    expect(env("acme").AGENT_CLOUD_API_KEY_PREVIOUS).toBeUndefined();
    expect(env("globex").AGENT_CLOUD_API_KEY).toBe(deriveApiKey(seed, "dev", "globex", 1));
    expect(env("globex").AGENT_CLOUD_API_KEY_PREVIOUS).toMatch(/^ac_dev_mock[0-9a-f]{36}$/);
    expect(env("initech").AGENT_CLOUD_API_KEY).toBe(deriveApiKey(seed, "dev", "initech", 3));
    expect(env("initech").AGENT_CLOUD_API_KEY_PREVIOUS).toBeUndefined();
    expect(isSecretInput(run.get(KUBERNETES.Secret, "p-tenant-globex-secret"), "stringData")).toBe(
      true,
    );

    // The edge accepts exactly the keys each tenant's Secret holds.
    const accepted = (id: string) =>
      table
        .trim()
        .split("\n")
        .filter((l) => l.endsWith(`"${id}:${l.split('"')[1]}";`))
        .map((l) => l.split('"')[1])
        .sort();
    for (const id of ["acme", "globex", "initech"]) {
      const e = env(id);
      expect(accepted(id), id).toEqual(
        [e.AGENT_CLOUD_API_KEY, e.AGENT_CLOUD_API_KEY_PREVIOUS]
          .filter((k): k is string => k !== undefined)
          .sort(),
      );
    }
  });

  it("renders the same main nginx.conf whatever the tenants, so tenant changes never roll the proxy", async () => {
    const conf = async (tenants: unknown[]) =>
      (
        await runProgram(
          () => new Platform("p", { config: config(tenants), projectRoot: process.cwd() }),
        )
      ).get(KUBERNETES.ConfigMap, "p-proxy-config").inputs.data["nginx.conf"] as string;
    const one = await conf([{ id: "acme" }]);
    expect(
      await conf([
        { id: "acme", plan: "pro", apiKey: { generation: 2, acceptPrevious: true } },
        { id: "globex", plan: "starter", auth: "app", publicPaths: ["/login"] },
      ]),
    ).toBe(one);
  });

  it("sizes the proxy from proxy.resources: the container's limits and how many workers drain", async () => {
    const proxy = async (resources?: unknown) => {
      const run = await runProgram(
        () =>
          new Platform("p", {
            config: config(
              [{ id: "acme" }],
              resources === undefined ? {} : { proxy: { resources } },
            ),
            projectRoot: process.cwd(),
          }),
      );
      const routes = run.get(KUBERNETES.ConfigMap, "p-proxy-routes").inputs.data[
        "routes.conf"
      ] as string;
      return {
        resources: run.get(KUBERNETES.Deployment, "p-proxy-deployment").inputs.spec.template.spec
          .containers[0].resources,
        kept: routes.split("\n")[2],
      };
    };
    expect(await proxy()).toEqual({
      resources: {
        requests: { cpu: "250m", memory: "128Mi" },
        limits: { cpu: "2", memory: "1Gi" },
      },
      kept: "# Draining workers kept: 64",
    });
    const small = {
      requests: { cpu: "100m", memory: "64Mi" },
      limits: { cpu: "1", memory: "96Mi" },
    };
    expect(await proxy(small)).toEqual({ resources: small, kept: "# Draining workers kept: 3" });
  });

  it("creates no seed while every tenant is on generation 0", async () => {
    const run = await runProgram(
      () =>
        new Platform("p", {
          config: config([{ id: "acme" }, { id: "globex" }]),
          projectRoot: process.cwd(),
        }),
    );
    expect(keyResources(run)).toEqual(["p-tenant-acme-api-key", "p-tenant-globex-api-key"]);
  });
});
