import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  certificateFinding,
  covers,
  daysLeft,
  issuerName,
  modeCheck,
  problems,
  servedCertificateChecks,
} from "../../ops/plans/cert-checks";
import { describeCertificate } from "../../ops/adapters/tls-probe";
import { certTargets, tlsExpectationOf } from "../../ops/plans/cert-targets";
import { certs } from "../../ops/commands/certs";
import { tenantsOutput } from "../../ops/stack-outputs";
import { X509Certificate } from "node:crypto";
import { servedCertificate, TEST_NOW } from "./support/certificates";
import { FakeTls, testContext } from "../../testkit/ops/fakes";
import { devConfig, devOutputs, devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";
import { makeSelfSignedCertificate } from "../../testkit/edge/certs";

describe("covers", () => {
  it.each([
    [["*.dev.example.com"], "acme.dev.example.com", true],
    [["*.dev.example.com"], "ACME.dev.example.com", true],
    [["*.dev.example.com"], "dev.example.com", false],
    [["*.dev.example.com"], "a.b.dev.example.com", false],
    [["*.dev.example.com", "dev.example.com"], "dev.example.com", true],
    [["agents.globex.test"], "agents.globex.test", true],
    [["agents.globex.test"], "www.agents.globex.test", false],
    [[], "x.test", false],
  ])("%j covers %s: %s", (names, host, expected) => {
    expect(covers(names, host)).toBe(expected);
  });
});

describe("daysLeft and issuerName", () => {
  it.each([
    ["2026-11-25T10:00:00Z", 3],
    ["2026-11-25T09:59:59Z", 2],
    ["2026-11-22T09:00:00Z", -1],
  ])("%s → %d days", (to, days) => {
    expect(daysLeft(new Date(to), TEST_NOW)).toBe(days);
  });

  it.each([
    ["CN=R11, O=Let's Encrypt, C=US", "R11"],
    ["O=CloudFlare, Inc., OU=CloudFlare Origin SSL ECC Certificate Authority", "CloudFlare"],
    ["C=US", "C=US"],
  ])("%s → %s", (issuer, name) => {
    expect(issuerName(issuer)).toBe(name);
  });
});

describe("modeCheck", () => {
  const self = servedCertificate(["*.a.test"], 30, TEST_NOW);
  const letsEncrypt = servedCertificate(["*.a.test"], 30, TEST_NOW, { selfSigned: false });
  const origin = servedCertificate(["*.a.test"], 30, TEST_NOW, {
    selfSigned: false,
    issuer: "CN=CloudFlare Origin SSL ECC Certificate Authority, O=CloudFlare, Inc.",
  });
  it.each([
    [self, { mode: "self-signed" }, true, "self-signed, as configured"],
    [
      letsEncrypt,
      { mode: "self-signed" },
      false,
      "tls.mode self-signed, but the proxy serves one issued by R11",
    ],
    [letsEncrypt, { mode: "acme" }, true, "issued by R11 (ACME), as configured"],
    [
      self,
      { mode: "acme" },
      false,
      "tls.mode acme, but the proxy serves a self-signed certificate",
    ],
    [
      origin,
      { mode: "acme" },
      false,
      "tls.mode acme, but the proxy serves one issued by CloudFlare Origin SSL ECC Certificate Authority",
    ],
    [origin, { mode: "cloudflare-origin-ca" }, true, "Cloudflare Origin CA, as configured"],
    [
      self,
      { mode: "cloudflare-origin-ca" },
      false,
      "tls.mode cloudflare-origin-ca, but the proxy serves a self-signed certificate",
    ],
    [
      self,
      { mode: "provided" },
      false,
      "tls.mode provided, but the proxy serves another certificate than tls.certificate (a self-signed certificate)",
    ],
  ] as const)("%#: %j", (cert, expected, matches, detail) => {
    expect(modeCheck(cert, expected)).toEqual({ matches, detail });
  });

  it("matches a provided certificate by fingerprint", () => {
    const dir = mkdtempSync(join(tmpdir(), "ops-certs-"));
    try {
      const pem = makeSelfSignedCertificate(dir, "c", "a.test", ["a.test"], 10).certificatePem;
      const served = describeCertificate(new X509Certificate(pem));
      expect(served.names).toEqual(["a.test"]);
      expect(served.selfSigned).toBe(true);
      expect(modeCheck(served, { mode: "provided", certificatePem: pem })).toEqual({
        matches: true,
        detail: "the certificate in tls.certificate, as configured",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("servedCertificateChecks", () => {
  const target = { host: "acme.a.test", role: "platform" };
  const find = (names: string[], days: number) =>
    certificateFinding(
      target,
      { certificate: servedCertificate(names, days, TEST_NOW) },
      { mode: "self-signed" },
      TEST_NOW,
    );

  it.each([
    [
      ["*.a.test"],
      14,
      [
        [
          "pass",
          "acme.a.test: served certificate covers it, 14 days left, self-signed, as configured",
        ],
      ],
    ],
    [
      ["*.a.test"],
      13,
      [
        [
          "fail",
          "acme.a.test: the served certificate expires in 13 days (2026-12-05), under the 14-day margin; deploy replaces it when validityHours runs out; deploy now, or raise tls.validityHours",
        ],
      ],
    ],
    [
      ["*.a.test"],
      -2,
      [
        [
          "fail",
          "acme.a.test: the served certificate expired on 2026-11-20; deploy replaces it when validityHours runs out; deploy now, or raise tls.validityHours",
        ],
      ],
    ],
    [
      ["b.test"],
      100,
      [
        [
          "fail",
          "acme.a.test: the served certificate covers only b.test; browsers (and Cloudflare in Full (strict), as a 526) reject it for this name: issue a certificate that includes it",
        ],
      ],
    ],
  ])("%j, %d days", (names, days, expected) => {
    const finding = find(names, days);
    expect(
      servedCertificateChecks([finding], { mode: "self-signed" }, "x:443").map((c) => [
        c.status,
        c.detail,
      ]),
    ).toEqual(expected);
  });

  it("fails a name with no handshake, and names its problems", () => {
    const finding = certificateFinding(
      target,
      { error: "connection refused" },
      { mode: "acme" },
      TEST_NOW,
    );
    expect(problems(finding)).toEqual(["no certificate: connection refused"]);
    expect(servedCertificateChecks([finding], { mode: "acme" }, "203.0.113.10:443")).toEqual([
      {
        status: "fail",
        area: "tls",
        detail:
          "acme.a.test: no TLS handshake with the proxy at 203.0.113.10:443 (connection refused); the proxy must listen for TLS there",
      },
    ]);
    expect(problems(find(["b.test"], 3))).toEqual(["name not covered", "expires within 14 days"]);
  });
});

describe("certTargets and tlsExpectationOf", () => {
  it("probes the platform domain once, through a tenant host, then each custom domain", () => {
    expect(certTargets(devConfig(), tenantsOutput(devOutputs()))).toEqual([
      { host: "acme.dev.example.com", role: "platform" },
      { host: "agents.globex.test", role: "custom (globex)" },
    ]);
    expect(certTargets({ "agent-cloud:domain": "a.test" }, [])).toEqual([
      { host: "a.test", role: "platform" },
    ]);
  });

  it("reads tls.mode, defaulting to self-signed", () => {
    expect(tlsExpectationOf({})).toEqual({ mode: "self-signed", certificatePem: undefined });
    expect(tlsExpectationOf({ "agent-cloud:tls": { mode: "acme", email: "a@b.c" } }).mode).toBe(
      "acme",
    );
  });
});

describe("certs command", () => {
  it("prints one row per name and exits 1 when one needs attention", async () => {
    const tls = new FakeTls({
      "acme.dev.example.com": servedCertificate(
        ["*.dev.example.com", "dev.example.com"],
        80,
        TEST_NOW,
      ),
      "agents.globex.test": servedCertificate(["agents.globex.test"], 3, TEST_NOW),
    });
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { tls });
    expect(await certs(ctx, { stack: "dev" })).toBe(1);
    expect(ctx.stdout.lines).toEqual([
      'certs: stack "dev", tls.mode self-signed, served by 203.0.113.10:443',
      "NAME                  FOR              ISSUER              COVERS                             EXPIRES  MODE  RESULT",
      "acme.dev.example.com  platform         *.dev.example.com   *.dev.example.com,dev.example.com  80d      yes   ok",
      "agents.globex.test    custom (globex)  agents.globex.test  agents.globex.test                 3d       yes   expires within 14 days",
      "certs: 1 of 2 need attention (see ops doctor for what to do)",
    ]);
  });

  it("connects where --address and --port say, and refuses a stack with no proxy address", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }));
    expect(await certs(ctx, { stack: "dev", address: "127.0.0.1", port: 8443 })).toBe(1);
    expect(ctx.tls.asked[0]).toEqual({
      address: "127.0.0.1",
      port: 8443,
      servername: "acme.dev.example.com",
    });
    expect(ctx.stdout.lines[2]).toBe(
      "acme.dev.example.com  platform         -       -       -        -     no certificate: connection refused",
    );
    delete ctx.engine.stacks.dev!.outputs.proxyAddress;
    await expect(certs(ctx, { stack: "dev" })).rejects.toThrow(
      'stack "dev" exports no proxyAddress; deploy it, or pass --address to connect elsewhere (e.g. 127.0.0.1 with a port-forward)',
    );
  });
});
