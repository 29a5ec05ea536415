import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareApiZone } from "../../ops/adapters/cloudflare-zone";
import { doctor } from "../../ops/commands/doctor";
import { endpointCheck } from "../../ops/plans/doctor-checks";
import { liveZoneChecks } from "../../ops/adapters/doctor-live";
import { FakeDns, FakeZone, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

const ZONE = "0123456789abcdef0123456789abcdef";
const rec = (name: string, content: string, type = "A", proxied = true) => ({
  name,
  type,
  content,
  proxied,
});

describe("CloudflareApiZone against a stand-in API on loopback", () => {
  let server: Server;
  let base: string;
  const seen: { url: string; auth?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization });
      const url = new URL(req.url ?? "/", "http://x");
      res.setHeader("content-type", "application/json");
      if (url.pathname !== `/zones/${ZONE}/dns_records`) {
        res.statusCode = 403;
        res.end(
          JSON.stringify({
            success: false,
            errors: [{ code: 10000, message: "Authentication error" }],
          }),
        );
        return;
      }
      const page = Number(url.searchParams.get("page"));
      res.end(
        JSON.stringify({
          success: true,
          result:
            page === 1
              ? [{ name: "*.dev.example.com", type: "A", content: "203.0.113.10", proxied: true }]
              : [{ name: "verify.dev.example.com", type: "TXT", content: "x", proxied: false }],
          result_info: { page, total_pages: 2 },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("reads every page with the token", async () => {
    expect(await new CloudflareApiZone("tok-1", base).records(ZONE)).toEqual([
      rec("*.dev.example.com", "203.0.113.10"),
      rec("verify.dev.example.com", "x", "TXT", false),
    ]);
    expect(seen.map((s) => [s.url, s.auth])).toEqual([
      [`/zones/${ZONE}/dns_records?per_page=100&page=1`, "Bearer tok-1"],
      [`/zones/${ZONE}/dns_records?per_page=100&page=2`, "Bearer tok-1"],
    ]);
  });

  it("says what the API refused", async () => {
    await expect(new CloudflareApiZone("bad", base).records("f".repeat(32))).rejects.toThrow(
      `Cloudflare API 403 for zone ${"f".repeat(32)}: 10000 Authentication error`,
    );
  });
});

describe("liveZoneChecks", () => {
  it.each([
    [
      [rec("*.dev.example.com", "203.0.113.10")],
      [
        [
          "pass",
          "live record *.dev.example.com A → 203.0.113.10 (the proxy, proxied by Cloudflare)",
        ],
      ],
    ],
    [
      [rec("other.example.com", "198.51.100.1")],
      [
        [
          "fail",
          "the live zone has no record *.dev.example.com; tenants' names do not resolve (deploy publishes it, or someone deleted it in the dashboard)",
        ],
      ],
    ],
    [
      [
        rec("*.dev.example.com", "203.0.113.10"),
        rec("acme.dev.example.com", "old-lb.example.net", "CNAME"),
      ],
      [
        [
          "pass",
          "live record *.dev.example.com A → 203.0.113.10 (the proxy, proxied by Cloudflare)",
        ],
        [
          "fail",
          "live record acme.dev.example.com CNAME → old-lb.example.net, not the proxy (203.0.113.10); it shadows *.dev.example.com for that name (remove it, or point it at the proxy)",
        ],
      ],
    ],
    [
      [rec("*.dev.example.com", "203.0.113.10", "A", false)],
      [
        [
          "warn",
          "live record *.dev.example.com is not proxied, but dns.proxied is true; the next deploy sets it back",
        ],
      ],
    ],
    [
      [rec("*.dev.example.com", "198.51.100.9")],
      [
        [
          "fail",
          "live record *.dev.example.com A → 198.51.100.9, not the proxy (203.0.113.10); every tenant goes there",
        ],
      ],
    ],
  ])("%#", (records, expected) => {
    expect(
      liveZoneChecks(records, "dev.example.com", "203.0.113.10", true).map((c) => [
        c.status,
        c.detail,
      ]),
    ).toEqual(expected);
  });
});

describe("doctor behind Cloudflare", () => {
  function proxiedCtx(zone: FakeZone) {
    const engine = new MemoryEngine({ dev: devStack() });
    engine.stacks.dev!.config["agent-cloud:dns"] = { provider: "cloudflare", zoneId: ZONE };
    return testContext(engine, { zone, dns: new FakeDns() });
  }

  it("reads the live zone instead of state when records are proxied", async () => {
    const zone = new FakeZone({
      [ZONE]: [
        rec("*.dev.example.com", "203.0.113.10"),
        rec("globex.dev.example.com", "192.0.2.1"),
      ],
    });
    const ctx = proxiedCtx(zone);
    await doctor(ctx, { stack: "dev" });
    expect(zone.asked).toEqual([ZONE]);
    // Cloudflare for SaaS (the default custom-domain mode) covers custom hostnames at its edge.
    expect(ctx.stdout.lines).toContain(
      "SKIP  tls       1 custom domains are served by Cloudflare for SaaS with Cloudflare's certificate; the proxy's must cover only the platform domain",
    );
    expect(ctx.tls.asked.map((a) => a.servername)).toEqual(["acme.dev.example.com"]);
    expect(ctx.dns.asked).toEqual([]);
    expect(ctx.stdout.lines.slice(1, 3)).toEqual([
      "PASS  dns       live record *.dev.example.com A → 203.0.113.10 (the proxy, proxied by Cloudflare)",
      "FAIL  dns       live record globex.dev.example.com A → 192.0.2.1, not the proxy (203.0.113.10); it shadows *.dev.example.com for that name (remove it, or point it at the proxy)",
    ]);
  });

  it("fails with the API's reason when the zone cannot be read", async () => {
    const ctx = proxiedCtx(new FakeZone({}));
    expect(await doctor(ctx, { stack: "dev" })).toBe(1);
    expect(ctx.stdout.lines[1]).toBe(
      `FAIL  dns       cannot read the live zone ${ZONE}: Cloudflare API 404 for zone ${ZONE}: 1001 Invalid zone (the token in CLOUDFLARE_API_TOKEN needs Zone → DNS → Read)`,
    );
  });

  it.each([
    [525, "the TLS handshake between Cloudflare and the proxy failed"],
    [
      526,
      "Cloudflare (Full (strict)) rejected the proxy's certificate: it is self-signed, expired, or does not cover this name",
    ],
    [521, "Cloudflare's connection to the proxy was refused"],
    [524, "Cloudflare reached the proxy but had no answer within its 100 s limit"],
  ])("explains a %d from Cloudflare", (status, words) => {
    const check = endpointCheck({ id: "acme" }, "u", { status, latencyMs: 1 }, "dev");
    expect(check.status).toBe("fail");
    expect(check.detail).toContain(`acme u → ${status} (1 ms): ${words}`);
  });
});
