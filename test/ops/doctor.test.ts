import { describe, expect, it } from "vitest";
import { doctor } from "../../ops/commands/doctor";
import {
  certificateChecks,
  dnsCheck,
  dnsRecordChecks,
  endpointCheck,
} from "../../ops/plans/doctor-checks";
import type { StateResource } from "../../ops/engine";
import { servedCertificate, TEST_NOW } from "./support/certificates";
import { FakeDns, FakeHealth, FakeTls, testContext } from "../../testkit/ops/fakes";
import { devResources, devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";
import { CLOUDFLARE, KUBERNETES } from "../../testkit/type-tokens";

const res = (type: string, outputs: Record<string, unknown>, name = "x"): StateResource => ({
  urn: `urn:pulumi:dev::agent-cloud::${type}::${name}`,
  type,
  inputs: {},
  outputs,
});

describe("certificateChecks", () => {
  it("passes when every certificate is in the edge namespace", () => {
    expect(certificateChecks(devResources(), "dev-edge")).toEqual([
      { status: "pass", area: "tls", detail: "1 certificate object, all in dev-edge (the proxy)" },
    ]);
  });

  it.each([
    [
      res(KUBERNETES.Secret, {
        type: "kubernetes.io/tls",
        metadata: { name: "acme-tls", namespace: "dev-tenant-acme" },
      }),
      "kubernetes:core/v1:Secret acme-tls in namespace dev-tenant-acme holds a certificate; TLS terminates on the proxy only, so certificates belong in dev-edge and tenants are served plain HTTP behind it",
    ],
    [
      res(KUBERNETES.Certificate, {
        metadata: { name: "acme-cert", namespace: "dev-tenant-acme" },
      }),
      "kubernetes:cert-manager.io/v1:Certificate acme-cert in namespace dev-tenant-acme holds a certificate; TLS terminates on the proxy only, so certificates belong in dev-edge and tenants are served plain HTTP behind it",
    ],
  ])("fails a certificate outside the edge: %s", (stray, detail) => {
    expect(certificateChecks([...devResources(), stray], "dev-edge")).toEqual([
      { status: "fail", area: "tls", detail },
    ]);
  });

  it("ignores Secrets that are not TLS, and warns when there is no certificate at all", () => {
    const opaque = res(KUBERNETES.Secret, {
      type: "Opaque",
      metadata: { namespace: "dev-tenant-acme" },
    });
    expect(certificateChecks([opaque], "dev-edge")).toEqual([
      {
        status: "warn",
        area: "tls",
        detail:
          "no TLS Secret or Certificate in the stack's state; the proxy in dev-edge needs the wildcard certificate",
      },
    ]);
  });
});

describe("dnsCheck", () => {
  it.each([
    [["203.0.113.10"], "pass", "a.example.com → 203.0.113.10 (the proxy)"],
    [
      [],
      "fail",
      "a.example.com does not resolve; publish it (or the wildcard record) pointing at the proxy (203.0.113.10)",
    ],
    [
      ["203.0.113.10", "198.51.100.7"],
      "fail",
      "a.example.com resolves to 203.0.113.10, 198.51.100.7, not only the proxy (203.0.113.10); the record points somewhere else (an old load balancer, another environment, or a tenant directly)",
    ],
  ])("%j → %s", (answers, status, detail) => {
    expect(dnsCheck("a.example.com", answers, ["203.0.113.10"])).toEqual({
      status,
      area: "dns",
      detail,
    });
  });

  it("checks Cloudflare record contents in state", () => {
    const records = [
      res(
        CLOUDFLARE.DnsRecord,
        { type: "A", name: "*.dev.example.com", content: "203.0.113.10" },
        "wild",
      ),
      res(
        CLOUDFLARE.DnsRecord,
        { type: "CNAME", name: "agents.globex.test", content: "old-lb.example.net" },
        "g",
      ),
      res(CLOUDFLARE.DnsRecord, { type: "TXT", name: "verify", content: "x" }, "t"),
    ];
    expect(dnsRecordChecks(records, "203.0.113.10")).toEqual([
      {
        status: "pass",
        area: "dns",
        detail: "record *.dev.example.com → 203.0.113.10 (the proxy, via Cloudflare)",
      },
      {
        status: "fail",
        area: "dns",
        detail:
          "record agents.globex.test points to old-lb.example.net, not the proxy (203.0.113.10); every record must point at the proxy",
      },
    ]);
  });
});

describe("endpointCheck", () => {
  const tenant = { id: "acme", namespace: "dev-tenant-acme" };
  it.each([
    [{ status: 200, latencyMs: 12 }, "pass", "acme u → 200 (12 ms)"],
    [
      { status: 404, latencyMs: 3 },
      "fail",
      "acme u → 404 (3 ms): the proxy answered but has no route for this host: either DNS sends the name to another proxy or environment, or the proxy's route table lacks tenant acme (deploy the whole stack so the table includes it)",
    ],
    [
      { status: 502, latencyMs: 4 },
      "fail",
      "acme u → 502 (4 ms): the proxy routed the request but tenant acme did not answer (pod down or crash-looping, or Service sp-acme has no ready endpoints); see npm run ops -- logs --stack dev --tenant acme, and kubectl -n dev-tenant-acme get pods",
    ],
    [
      { status: 500, latencyMs: 4 },
      "fail",
      "acme u → 500 (4 ms): the tenant's app answered with an error",
    ],
    [
      { latencyMs: 5000, error: "no answer within 5000 ms" },
      "fail",
      "acme u: no answer (no answer within 5000 ms); the name must resolve to the proxy and the proxy Service must have its address",
    ],
  ])("%j → %s", (result, status, detail) => {
    expect(endpointCheck(tenant, "u", result, "dev")).toEqual({ status, area: "endpoint", detail });
  });
});

describe("doctor command", () => {
  const H = "/api/v1/health";
  function setup() {
    const dns = new FakeDns({
      "acme.dev.example.com": ["203.0.113.10"],
      "big-acme.dev.example.com": ["203.0.113.10"],
      "globex.dev.example.com": ["203.0.113.10"],
      "agents.globex.test": ["198.51.100.7"],
    });
    const health = new FakeHealth({
      [`https://acme.dev.example.com${H}`]: { status: 200, latencyMs: 10 },
      [`https://big-acme.dev.example.com${H}`]: { status: 502, latencyMs: 2 },
      [`https://globex.dev.example.com${H}`]: { status: 404, latencyMs: 1 },
    });
    const wildcard = servedCertificate(["*.dev.example.com", "dev.example.com"], 300, TEST_NOW);
    const tls = new FakeTls({
      "acme.dev.example.com": wildcard,
      "agents.globex.test": wildcard,
    });
    return testContext(new MemoryEngine({ dev: devStack() }), { dns, health, tls });
  }

  it("checks DNS, certificates and endpoints, and exits 1 on failures", async () => {
    const ctx = setup();
    expect(await doctor(ctx, { stack: "dev" })).toBe(1);
    const lines = ctx.stdout.lines;
    expect(lines[0]).toBe('doctor: stack "dev" (environment dev, proxy 203.0.113.10)');
    expect(lines.slice(1, -1).map((l) => l.slice(0, 16).trimEnd())).toEqual([
      "PASS  dns",
      "PASS  dns",
      "PASS  dns",
      "FAIL  dns",
      "PASS  tls",
      "PASS  tls",
      "FAIL  tls",
      "PASS  endpoint",
      "FAIL  endpoint",
      "FAIL  endpoint",
    ]);
    expect(lines.slice(6, 8)).toEqual([
      "PASS  tls       acme.dev.example.com: served certificate covers it, 300 days left, self-signed, as configured",
      "FAIL  tls       agents.globex.test: the served certificate covers only *.dev.example.com, dev.example.com; browsers (and Cloudflare in Full (strict), as a 526) reject it for this name: issue a certificate that includes it",
    ]);
    expect(ctx.tls.asked).toEqual([
      { address: "203.0.113.10", port: 443, servername: "acme.dev.example.com" },
      { address: "203.0.113.10", port: 443, servername: "agents.globex.test" },
    ]);
    expect(lines[4]).toContain(
      "agents.globex.test resolves to 198.51.100.7, not only the proxy (203.0.113.10)",
    );
    expect(lines[9]).toContain(
      "big-acme https://big-acme.dev.example.com/api/v1/health → 502 (2 ms): the proxy routed the request",
    );
    expect(lines[10]).toContain(
      "globex https://globex.dev.example.com/api/v1/health → 404 (1 ms): the proxy answered but has no route",
    );
    expect(lines.at(-1)).toBe("doctor: 6 checks passed, 4 failed");
    expect(ctx.dns.asked).toEqual([
      "acme.dev.example.com",
      "big-acme.dev.example.com",
      "globex.dev.example.com",
      "agents.globex.test",
    ]);
  });

  it("resolves a hostname proxy address before comparing", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.outputs.proxyAddress = { value: "lb-1.elb.example.net", secret: false };
    ctx.dns.answers["lb-1.elb.example.net"] = ["203.0.113.10"];
    await doctor(ctx, { stack: "dev" });
    expect(ctx.dns.asked[0]).toBe("lb-1.elb.example.net");
    expect(ctx.stdout.lines[1]).toBe(
      "PASS  dns       acme.dev.example.com → 203.0.113.10 (the proxy)",
    );
  });

  it("checks record contents instead of resolving when Cloudflare proxies the names", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.config["agent-cloud:dns"] = {
      provider: "cloudflare",
      zoneId: "0".repeat(32),
    };
    await doctor(ctx, { stack: "dev" });
    expect(ctx.dns.asked).toEqual([]);
    expect(ctx.stdout.lines[1]).toBe(
      "SKIP  dns       records are proxied by Cloudflare, so names resolve to Cloudflare; checked the records in state instead (set CLOUDFLARE_API_TOKEN to read the live zone)",
    );
  });

  it("fails clearly when the stack exports no proxy address", async () => {
    const ctx = setup();
    delete ctx.engine.stacks.dev!.outputs.proxyAddress;
    expect(await doctor(ctx, { stack: "dev" })).toBe(1);
    expect(ctx.stdout.lines[1]).toBe(
      'FAIL  dns       stack "dev" exports no proxyAddress; deploy it (the proxy\'s Service gets its address then)',
    );
  });

  it("passes a healthy stack with exit 0", async () => {
    const ctx = setup();
    ctx.dns.answers["agents.globex.test"] = ["203.0.113.10"];
    ctx.health.answers[`https://big-acme.dev.example.com${H}`] = { status: 200, latencyMs: 1 };
    ctx.health.answers[`https://globex.dev.example.com${H}`] = { status: 301, latencyMs: 1 };
    ctx.tls.answers["agents.globex.test"] = servedCertificate(["agents.globex.test"], 20, TEST_NOW);
    expect(await doctor(ctx, { stack: "dev" })).toBe(0);
    expect(ctx.stdout.lines.at(-1)).toBe("doctor: 10 checks passed, 0 failed");
  });
});

describe("doctor command on a stack shaped like the program's outputs", () => {
  it("reads tenant hosts and the edge namespace from outputs, and takes an empty proxy address as loopback", async () => {
    const engine = new MemoryEngine({ local: devStack() });
    const stack = engine.stacks.local!;
    delete stack.config["agent-cloud:dns"];
    stack.outputs.proxyAddress = { value: "", secret: false };
    stack.outputs.edgeNamespace = { value: "platform-edge", secret: false };
    stack.outputs.tenants = {
      value: {
        acme: {
          url: "https://acme.local.test",
          hosts: ["acme.local.test", "agents.acme.test"],
          namespace: "local-tenant-acme",
        },
      },
      secret: false,
    };
    const ctx = testContext(engine, {
      dns: new FakeDns({
        "acme.local.test": ["127.0.0.1"],
        "agents.acme.test": ["127.0.0.1"],
        "agents.globex.test": ["127.0.0.1"],
      }),
      health: new FakeHealth({
        "https://acme.local.test/api/v1/health": { status: 200, latencyMs: 1 },
      }),
    });
    expect(await doctor(ctx, { stack: "local" })).toBe(1);
    expect(ctx.stdout.lines).toEqual([
      'doctor: stack "local" (environment dev, proxy 127.0.0.1 (its Service has no external address))',
      "PASS  dns       acme.local.test → 127.0.0.1 (the proxy)",
      "PASS  dns       agents.acme.test → 127.0.0.1 (the proxy)",
      "PASS  dns       agents.globex.test → 127.0.0.1 (the proxy)",
      "FAIL  tls       kubernetes:core/v1:Secret wildcard-tls in namespace dev-edge holds a certificate; TLS terminates on the proxy only, so certificates belong in platform-edge and tenants are served plain HTTP behind it",
      "FAIL  tls       dev.example.com: no TLS handshake with the proxy at 127.0.0.1:443 (connection refused); the proxy must listen for TLS there",
      "FAIL  tls       agents.globex.test: no TLS handshake with the proxy at 127.0.0.1:443 (connection refused); the proxy must listen for TLS there",
      "FAIL  tls       acme.local.test: no TLS handshake with the proxy at 127.0.0.1:443 (connection refused); the proxy must listen for TLS there",
      "FAIL  tls       agents.acme.test: no TLS handshake with the proxy at 127.0.0.1:443 (connection refused); the proxy must listen for TLS there",
      "PASS  endpoint  acme https://acme.local.test/api/v1/health → 200 (1 ms)",
      "doctor: 4 checks passed, 5 failed",
    ]);
  });
});
