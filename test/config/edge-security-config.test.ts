/**
 * The edge-security config: tenant auth mode, public paths and key generations, plan and client
 * limits, and the Cloudflare origin lock, with the defaults that follow from Cloudflare being in
 * front and the exact messages for what cannot work.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLOUDFLARE_IPV4,
  CLOUDFLARE_IPV6,
  CLOUDFLARE_ORIGIN_PULL_CA,
  CLOUDFLARE_RANGES,
} from "../../stacks/config/cloudflare";
import { isCidr } from "../../model/edge-schema";
import { ConfigError, formatIssue } from "../../stacks/config/errors";
import { parseConfig } from "../../stacks/config/parse";

const DIGEST = `sha256:${"a".repeat(64)}`;
const ZONE = "0123456789abcdef0123456789abcdef";

function base(): Record<string, any> {
  return {
    environment: "dev",
    domain: "agents.example.com",
    image: { ref: `ghcr.io/acme/agent@${DIGEST}` },
    tenants: [{ id: "acme" }, { id: "globex" }],
  };
}

/** A small plan `tiny` with `extra` fields (its resources valid, so only they are judged). */
function tinyPlan(extra: Record<string, number>): Record<string, unknown> {
  return {
    tiny: {
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "1", memory: "128Mi" },
      maxReplicas: 1,
      databaseConnections: 2,
      ...extra,
    },
  };
}

function problems(config: Record<string, unknown>): string[] {
  try {
    parseConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

describe("edge-security defaults", () => {
  it("puts every tenant in edge auth, key generation 0, public health path, plan limits", () => {
    const c = parseConfig(base());
    expect(c.tenants.map((t) => [t.id, t.auth, t.apiKey, t.publicPaths])).toEqual([
      ["acme", "edge", { generation: 0, acceptPrevious: false }, ["/api/v1/health"]],
      ["globex", "edge", { generation: 0, acceptPrevious: false }, ["/api/v1/health"]],
    ]);
    expect(c.tenants[0]?.plan).toMatchObject({ requestsPerSecond: 50, requestBurst: 100 });
    expect(c.plans.starter).toMatchObject({ requestsPerSecond: 20, requestBurst: 40 });
    expect(c.plans.pro).toMatchObject({ requestsPerSecond: 200, requestBurst: 400 });
    expect(c.proxy.limits).toEqual({
      connectionsPerClient: 100,
      requestsPerSecondPerClient: 50,
      requestBurstPerClient: 200,
      clientHeaderTimeoutSeconds: 10,
      clientBodyTimeoutSeconds: 20,
      keepaliveTimeoutSeconds: 30,
    });
  });

  it("without Cloudflare in front: open load balancer, no trusted peer, no origin pulls", () => {
    const c = parseConfig(base());
    expect(c.proxy).toMatchObject({
      sourceRanges: [],
      realIpFrom: [],
      realIpHeader: "CF-Connecting-IP",
      externalTrafficPolicy: undefined,
      originPull: { enabled: false, caCertificate: CLOUDFLARE_ORIGIN_PULL_CA },
    });
  });

  it("with proxied Cloudflare records: only Cloudflare's ranges, its header trusted, Local traffic", () => {
    const c = parseConfig({
      ...base(),
      dns: {
        provider: "cloudflare",
        zoneId: ZONE,
        zoneName: "example.com",
        edgeCertificate: "advanced",
      },
    });
    expect(c.proxy.sourceRanges).toEqual(CLOUDFLARE_RANGES);
    expect(c.proxy.realIpFrom).toEqual(CLOUDFLARE_RANGES);
    expect(c.proxy.externalTrafficPolicy).toBe("Local");

    // DNS-only records (grey cloud): clients connect directly, so nothing is locked.
    const grey = parseConfig({
      ...base(),
      dns: {
        provider: "cloudflare",
        zoneId: ZONE,
        zoneName: "example.com",
        edgeCertificate: "advanced",
        proxied: false,
      },
    });
    expect(grey.proxy).toMatchObject({ sourceRanges: [], realIpFrom: [] });

    // A NodePort proxy has no load balancer to restrict, but still trusts Cloudflare's header.
    const nodePort = parseConfig({
      ...base(),
      dns: {
        provider: "cloudflare",
        zoneId: ZONE,
        zoneName: "example.com",
        edgeCertificate: "advanced",
      },
      proxy: { serviceType: "NodePort" },
    });
    expect(nodePort.proxy.sourceRanges).toEqual([]);
    expect(nodePort.proxy.realIpFrom).toEqual(CLOUDFLARE_RANGES);
    expect(nodePort.proxy.externalTrafficPolicy).toBeUndefined();
  });

  it("keeps explicit ranges, policy, header and CA as given", () => {
    const c = parseConfig({
      ...base(),
      dns: {
        provider: "cloudflare",
        zoneId: ZONE,
        zoneName: "example.com",
        edgeCertificate: "advanced",
      },
      proxy: {
        sourceRanges: ["203.0.113.0/24", "2001:db8::/32"],
        realIpFrom: ["203.0.113.0/24"],
        realIpHeader: "True-Client-IP",
        externalTrafficPolicy: "Cluster",
        originPull: { enabled: true, caCertificate: "-----BEGIN CERTIFICATE-----\nx" },
      },
    });
    expect(c.proxy).toMatchObject({
      sourceRanges: ["203.0.113.0/24", "2001:db8::/32"],
      realIpFrom: ["203.0.113.0/24"],
      realIpHeader: "True-Client-IP",
      externalTrafficPolicy: "Cluster",
      originPull: { enabled: true, caCertificate: "-----BEGIN CERTIFICATE-----\nx" },
    });
  });

  it("takes a tenant's own auth mode, public paths and rotation", () => {
    const config = base();
    config.tenants[0] = {
      id: "acme",
      auth: "app",
      publicPaths: ["/", "/login", "/oauth/*"],
      apiKey: { generation: 3, acceptPrevious: true },
    };
    const acme = parseConfig(config).tenants[0];
    expect([acme?.auth, acme?.publicPaths, acme?.apiKey]).toEqual([
      "app",
      ["/", "/login", "/oauth/*"],
      { generation: 3, acceptPrevious: true },
    ]);
  });
});

describe("edge-security config errors", () => {
  const rows: [string, (c: Record<string, any>) => void, string[]][] = [
    [
      "public path with a dot segment",
      (c) => (c.tenants[0].publicPaths = ["/api/../admin"]),
      [
        `tenants[0].publicPaths[0] "/api/../admin": must be a plain path such as /api/v1/health or a prefix such as /oauth/* (letters, digits, '.', '_', '~', '-'; no segment starting with '.')`,
      ],
    ],
    [
      "public path with an escape or a query",
      (c) => (c.tenants[1].publicPaths = ["/a%2fb", "/health?x=1", "health"]),
      [0, 1, 2].map(
        (i) =>
          `tenants[1].publicPaths[${i}] ${JSON.stringify(["/a%2fb", "/health?x=1", "health"][i])}: must be a plain path such as /api/v1/health or a prefix such as /oauth/* (letters, digits, '.', '_', '~', '-'; no segment starting with '.')`,
      ),
    ],
    [
      "unknown auth mode",
      (c) => (c.tenants[0].auth = "none"),
      [`tenants[0].auth "none": must be one of "edge", "app"`],
    ],
    [
      "accepting a previous key at generation 0",
      (c) => (c.tenants[0].apiKey = { acceptPrevious: true }),
      [
        `tenants[0].apiKey.acceptPrevious true: generation 0 has no previous key; bump apiKey.generation to rotate, then accept the previous one`,
      ],
    ],
    [
      "negative key generation",
      (c) => (c.tenants[0].apiKey = { generation: -1 }),
      [`tenants[0].apiKey.generation -1: must be at least 0`],
    ],
    [
      "a health path that cannot be a public path, with no public paths given",
      (c) => (c.app = { healthPath: "/health;v=1" }),
      ["tenants[0]", "tenants[1]"].map(
        (t) =>
          `${t}.publicPaths: defaults to app.healthPath "/health;v=1", which is not a plain path; list the tenant's public paths explicitly`,
      ),
    ],
    [
      "source ranges on a NodePort proxy",
      (c) => (c.proxy = { serviceType: "NodePort", sourceRanges: ["203.0.113.0/24"] }),
      [
        `proxy.sourceRanges ["203.0.113.0/24"]: only applies when proxy.serviceType is "LoadBalancer" (got "NodePort"); restrict a NodePort with the nodes' firewall`,
      ],
    ],
    [
      "an external traffic policy on a ClusterIP proxy (the rule the ManagementProxy applies too)",
      (c) => (c.proxy = { serviceType: "ClusterIP", externalTrafficPolicy: "Local" }),
      [
        `proxy.externalTrafficPolicy "Local": does not apply to proxy.serviceType "ClusterIP"; remove it`,
      ],
    ],
    [
      "a range that is not a CIDR",
      (c) => (c.proxy = { sourceRanges: ["10.0.0.1"], realIpFrom: ["2001:db8::/129"] }),
      [
        `proxy.sourceRanges[0] "10.0.0.1": must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32`,
        `proxy.realIpFrom[0] "2001:db8::/129": must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32`,
      ],
    ],
    [
      "every peer (or a whole /4) trusted to name the client",
      (c) =>
        (c.proxy = {
          realIpFrom: ["0.0.0.0/0", "203.0.113.0/24", "::/0", "2400:cb00::/32", "64.0.0.0/4"],
        }),
      [0, 2, 4].map(
        (i) =>
          `proxy.realIpFrom[${i}] ${JSON.stringify(["0.0.0.0/0", "", "::/0", "", "64.0.0.0/4"][i])}: trusts every peer in it to set the client address (and so to dodge per-client limits and forge X-Forwarded-For); list your CDN's or load balancer's ranges, at most /8 (IPv4) or /16 (IPv6) each`,
      ),
    ],
    [
      "origin pulls without Cloudflare in front",
      (c) => (c.proxy = { originPull: { enabled: true } }),
      [
        `proxy.originPull.enabled true: only Cloudflare's proxy presents the origin-pull certificate; set dns.provider: cloudflare and dns.proxied: true, or turn it off`,
      ],
    ],
    [
      "a header name with a space",
      (c) => (c.proxy = { realIpHeader: "CF Connecting IP" }),
      [
        `proxy.realIpHeader "CF Connecting IP": must be an HTTP header name such as CF-Connecting-IP`,
      ],
    ],
    [
      "zero client connections and a huge timeout",
      (c) => (c.proxy = { limits: { connectionsPerClient: 0, clientHeaderTimeoutSeconds: 3600 } }),
      [
        `proxy.limits.connectionsPerClient 0: must be at least 1`,
        `proxy.limits.clientHeaderTimeoutSeconds 3600: must be at most 300`,
      ],
    ],
    [
      "a plan without a rate",
      (c) => (c.plans = tinyPlan({ requestsPerSecond: 0 })),
      [`plans.tiny.requestsPerSecond 0: must be at least 1`],
    ],
    [
      "a burst of 1, the least nginx takes, for clients and for a plan",
      (c) => {
        c.proxy = { limits: { requestBurstPerClient: 1 } };
        c.plans = tinyPlan({ requestBurst: 1 });
      },
      [],
    ],
    [
      "a client burst of 0 (nginx refuses burst=0)",
      (c) => (c.proxy = { limits: { requestBurstPerClient: 0 } }),
      [
        `proxy.limits.requestBurstPerClient 0: must be at least 1: nginx's limit_req refuses a burst of 0, so the proxy would not start`,
      ],
    ],
    [
      "a plan burst of 0 (nginx refuses burst=0)",
      (c) => (c.plans = tinyPlan({ requestBurst: 0 })),
      [
        `plans.tiny.requestBurst 0: must be at least 1: nginx's limit_req refuses a burst of 0, so the proxy would not start`,
      ],
    ],
  ];

  it.each(rows)("%s", (_name, change, expected) => {
    const config = base();
    change(config);
    expect(problems(config)).toEqual(expected);
  });
});

describe("Cloudflare's published ranges and origin-pull CA", () => {
  it("lists the 15 IPv4 and 7 IPv6 ranges, each a valid CIDR, none twice", () => {
    expect(CLOUDFLARE_IPV4).toHaveLength(15);
    expect(CLOUDFLARE_IPV6).toHaveLength(7);
    expect(new Set(CLOUDFLARE_RANGES).size).toBe(22);
    expect(CLOUDFLARE_RANGES.filter((r) => !isCidr(r))).toEqual([]);
  });

  it("carries the CA openssl verifies as self-signed origin-pull.cloudflare.net, fingerprint 9A:1A:…:B9", () => {
    const dir = mkdtempSync(join(tmpdir(), "cf-ca-"));
    try {
      const file = join(dir, "ca.pem");
      writeFileSync(file, CLOUDFLARE_ORIGIN_PULL_CA);
      const info = execFileSync(
        "openssl",
        ["x509", "-in", file, "-noout", "-subject", "-enddate", "-fingerprint", "-sha256"],
        { encoding: "utf8" },
      );
      expect(info).toContain("CN = origin-pull.cloudflare.net");
      expect(info).toContain("notAfter=Nov  1 17:00:00 2029 GMT");
      expect(info).toContain(
        "9A:1A:C2:B4:BE:15:F9:F2:7E:EE:20:A7:34:CB:A4:E9:89:8F:61:00:1B:3B:D7:C8:4B:69:B5:6A:3E:25:A2:B9",
      );
      // The signature checks out against its own key: not one byte of the PEM is off.
      expect(
        execFileSync("openssl", ["verify", "-CAfile", file, "-check_ss_sig", file], {
          encoding: "utf8",
        }).trim(),
      ).toBe(`${file}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
