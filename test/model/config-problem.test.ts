import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatConfigProblem, showReceived } from "../../model/rules/config-problem";
import { makeSelfSignedCertificate } from "../../testkit/edge/certs";

const dir = mkdtempSync(join(tmpdir(), "config-problem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { certificatePem, keyPem } = makeSelfSignedCertificate(dir, "edge", "a.test", ["a.test"]);
/** A value as errors quote it: JSON, over 60 characters cut to 57 and "...". */
const quoted = (value: string) => {
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
};
const DIGEST_REF = `ghcr.io/acme/agent@sha256:${"0123456789abcdef".repeat(4)}`;

describe("showReceived: what an error may quote", () => {
  it.each([
    { name: "a plain value, as JSON", value: "Acme_1", shown: '"Acme_1"' },
    { name: "a number", value: 2.5, shown: "2.5" },
    { name: "nothing received", value: undefined, shown: undefined },
    {
      name: "a long value, cut",
      value: "x".repeat(80),
      shown: `"${"x".repeat(56)}...`,
    },
    {
      name: "an image pinned by digest (hex is not a token there)",
      value: DIGEST_REF,
      shown: `${JSON.stringify(DIGEST_REF).slice(0, 57)}...`,
    },
    {
      name: "a real certificate: its start (a certificate is no secret)",
      value: certificatePem,
      shown: `${JSON.stringify(certificatePem).slice(0, 57)}...`,
    },
    {
      name: "a certificate with its key",
      value: `${certificatePem}${keyPem}`,
      shown: "(not shown: it looks like a PEM private key (-----BEGIN ... PRIVATE KEY-----))",
    },
    {
      name: "a Cloudflare API token",
      value: "Xq7cF0rT9kLmN2pQ4sV6wY8zA1bC3dE5fG7hJ9kL",
      shown: "(not shown: it looks like a token)",
    },
    {
      name: "a Global API Key (37 lowercase hex)",
      value: "1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d",
      shown: "(not shown: it looks like a token)",
    },
    {
      name: "a URL with a password, inside a map",
      value: { url: "postgres://admin:Sup3rS3cret@db/x" },
      shown: "(not shown: it looks like a URL with an embedded password)",
    },
    {
      name: "an AWS secret key (base64, '/' inside)",
      value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      shown: "(not shown: it looks like a token)",
    },
    ...[
      `ghcr.io/acme/agent@sha256:${"ab12".repeat(15)}cd`,
      `ghcr.io/acme/agent@sha256:${"AB12".repeat(16)}`,
      `ghcr.io/acme/agent:${"3f2a9c1e".repeat(5)}`,
      "agent-cloud-production-postgres-01.Internal",
      "/api/v1/health/checks/deep/x1",
    ].map((value) => ({
      name: `what an operator must see to fix it: ${value.slice(0, 40)}`,
      value,
      shown: quoted(value),
    })),
  ])("$name", ({ value, shown }) => {
    expect(showReceived(value)).toBe(shown);
  });
});

describe("formatConfigProblem", () => {
  it("quotes the received value as parseConfig does, credentials never", () => {
    expect(formatConfigProblem({ path: "tenants[0].id", received: "Acme", message: "m" })).toBe(
      'tenants[0].id "Acme": m',
    );
    expect(
      formatConfigProblem({
        path: "image.repository",
        received: "ghcr.io/acme/ghp_0123456789abcdefghijklmnopqrstuvwxyz:x",
        message: "m",
      }),
    ).toBe("image.repository (not shown: it looks like a GitHub token (ghp_...)): m");
    expect(formatConfigProblem({ path: "domain", message: "is required" })).toBe(
      "domain: is required",
    );
  });
});
