/**
 * Authenticated origin pulls on the real nginx: with `originPull`, the edge completes a request
 * only for a client presenting a certificate from the origin-pull CA (Cloudflare's, stood in for
 * here by a CA made with openssl); anyone reaching the origin directly gets 403 JSON.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN_PULL_BODY } from "../../components/edge/nginx/client-identity";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";

const DOMAIN = "dev.example.test";
let edge: Edge;
let pki: string;
const pem = (name: string) => readFileSync(join(pki, name), "utf8");

/** A CA, a client certificate it signed (the CDN's), and one it did not. */
function makePki(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  ssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=origin-pull test CA",
    "-days",
    "2",
  );
  for (const who of ["cdn", "stranger"]) {
    ssl("req", ...ec, "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=${who}`);
  }
  ssl(
    "x509",
    "-req",
    "-in",
    "cdn.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "cdn.crt",
    "-days",
    "2",
  );
  ssl(
    "x509",
    "-req",
    "-in",
    "stranger.csr",
    "-signkey",
    "stranger.key",
    "-out",
    "stranger.crt",
    "-days",
    "2",
  );
}

beforeAll(async () => {
  pki = mkdtempSync(join(tmpdir(), "origin-pull-"));
  makePki(pki);
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [{ id: "acme" }],
    settings: { originPull: true },
    originPullCa: pem("ca.crt"),
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
  rmSync(pki, { recursive: true, force: true });
});

const https = (extra: Partial<Parameters<typeof edgeHttps>[0]> = {}) =>
  edgeHttps({ port: edge.ports.https, host: `acme.${DOMAIN}`, ca: edge.certificate.pem, ...extra });

describe("authenticated origin pulls", () => {
  it("serves a client that presents the origin-pull CA's certificate", async () => {
    const res = await https({ cert: pem("cdn.crt"), key: pem("cdn.key") });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ tenant: "acme" });
  });

  it("answers 403 JSON to a client with no certificate or another one, before any tenant", async () => {
    const before = edge.fleet.get("acme").hits;
    for (const extra of [{}, { cert: pem("stranger.crt"), key: pem("stranger.key") }]) {
      const res = await https(extra);
      expect(res.status).toBe(403);
      expect(res.body).toBe(ORIGIN_PULL_BODY);
      expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");
    }
    expect(edge.fleet.get("acme").hits).toBe(before);
  });
});
