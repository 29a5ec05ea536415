/** doctor fails a proxied Cloudflare stack whose edge certificate cannot cover its tenants. */
import { describe, expect, it } from "vitest";
import { edgeCertificateChecks } from "../../ops/plans/edge-certificate-check";

const cloudflareStack = (dns: Record<string, unknown>, domain = "agents.example.com") => ({
  "agent-cloud:domain": domain,
  "agent-cloud:dns": { provider: "cloudflare", zoneId: "0".repeat(32), ...dns },
});

describe("doctor: Cloudflare's edge certificate", () => {
  it.each([
    ["no DNS provider", { "agent-cloud:domain": "agents.localhost" }, []],
    ["unproxied records", cloudflareStack({ proxied: false }), []],
    [
      "tenants one level below the zone",
      cloudflareStack({ zoneName: "example.com" }, "example.com"),
      [
        {
          status: "pass",
          area: "tls",
          detail:
            "Cloudflare edge: the Universal certificate covers *.example.com (example.com is the zone)",
        },
      ],
    ],
    [
      "an Advanced Certificate",
      cloudflareStack({ zoneName: "example.com", edgeCertificate: "advanced" }),
      [
        {
          status: "pass",
          area: "tls",
          detail:
            "Cloudflare edge: an Advanced Certificate covers agents.example.com and *.agents.example.com",
        },
      ],
    ],
  ])("%s", (_name, config, expected) => expect(edgeCertificateChecks(config)).toEqual(expected));

  it("fails tenants two levels below the zone on the free certificate, saying what to do", () => {
    const [check] = edgeCertificateChecks(cloudflareStack({ zoneName: "example.com" }));
    expect(check?.status).toBe("fail");
    expect(check?.detail).toContain(
      "Cloudflare edge: dns.edgeCertificate: Cloudflare's free Universal certificate covers only example.com and *.example.com, not the tenants' *.agents.example.com",
    );
  });

  it("fails a proxied stack that does not say which zone it is in", () => {
    const [check] = edgeCertificateChecks(cloudflareStack({}));
    expect(check?.status).toBe("fail");
    expect(check?.detail).toMatch(
      /^Cloudflare edge: dns\.zoneName: is required when dns\.proxied is true/,
    );
  });
});
