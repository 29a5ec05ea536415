/**
 * `certs` and the real TLS probe against the real nginx serving real openssl certificates: the
 * platform's wildcard (covered), a custom domain nginx has no certificate for (it falls to the
 * default server's wildcard: not covered), and one whose certificate expires in 3 days.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certs } from "../../ops/commands/certs";
import { TlsCertificateProbe } from "../../ops/adapters/tls-probe";
import { makeSelfSignedCertificate } from "../../testkit/edge/certs";
import { NginxProcess } from "../../testkit/edge/nginx";
import { freePorts } from "../../testkit/edge/ports";
import { testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

describe("certs against nginx serving openssl certificates", () => {
  let dir: string;
  let nginx: NginxProcess;
  let tlsPort: number;
  // Taken before the certificates exist, so "N days" is exact: openssl's notAfter is its now + N days.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ops-certs-live-"));
    const [https, health] = await freePorts(2);
    tlsPort = https!;
    const wildcard = makeSelfSignedCertificate(
      dir,
      "wildcard",
      "*.dev.example.com",
      ["*.dev.example.com", "dev.example.com"],
      90,
    );
    const globex = makeSelfSignedCertificate(
      dir,
      "globex",
      "agents.globex.test",
      ["agents.globex.test"],
      60,
    );
    const soon = makeSelfSignedCertificate(
      dir,
      "soon",
      "soon.big-acme.test",
      ["soon.big-acme.test"],
      3,
    );
    const server = (name: string, cert: { certificatePath: string; keyPath: string }, extra = "") =>
      `  server {\n    listen 127.0.0.1:${tlsPort} ssl${extra};\n    server_name ${name};\n    ssl_certificate ${cert.certificatePath};\n    ssl_certificate_key ${cert.keyPath};\n    return 200 "ok\\n";\n  }\n`;
    const config = [
      "daemon off;",
      "worker_processes 1;",
      `pid ${join(dir, "nginx.pid")};`,
      `error_log ${join(dir, "error.log")} warn;`,
      "events { worker_connections 64; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (t) => `  ${t}_temp_path ${join(dir, t)};`,
      ),
      server("_", wildcard, " default_server"),
      server("agents.globex.test", globex),
      server("soon.big-acme.test", soon),
      `  server { listen 127.0.0.1:${health}; location = /healthz { return 200; } }`,
      "}",
      "",
    ].join("\n");
    nginx = await NginxProcess.start(config, dir, health!);
  }, 30_000);

  afterAll(async () => {
    await nginx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the served leaf for each SNI name", async () => {
    const probe = new TlsCertificateProbe();
    const served = await probe.served("127.0.0.1", tlsPort, "agents.globex.test", 5000);
    expect([served.names, served.selfSigned, served.issuer]).toEqual([
      ["agents.globex.test"],
      true,
      "CN=agents.globex.test",
    ]);
    const fallback = await probe.served("127.0.0.1", tlsPort, "nobody.else.test", 5000);
    expect(fallback.names).toEqual(["*.dev.example.com", "dev.example.com"]);
  });

  it("lists covered, uncovered and expiring certificates, and exits 1", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    const tenants = engine.stacks.dev!.config["agent-cloud:tenants"] as {
      id: string;
      customDomains?: string[];
    }[];
    tenants.find((t) => t.id === "acme")!.customDomains = ["agents.acme.test"];
    tenants.find((t) => t.id === "big-acme")!.customDomains = ["soon.big-acme.test"];
    const ctx = { ...testContext(engine), tls: new TlsCertificateProbe(), now: () => now };
    expect(await certs(ctx, { stack: "dev", address: "127.0.0.1", port: tlsPort })).toBe(1);
    expect(ctx.stdout.lines).toEqual([
      `certs: stack "dev", tls.mode self-signed, served by 127.0.0.1:${tlsPort}`,
      "NAME                  FOR                ISSUER              COVERS                             EXPIRES  MODE  RESULT",
      "acme.dev.example.com  platform           *.dev.example.com   *.dev.example.com,dev.example.com  90d      yes   ok",
      "agents.acme.test      custom (acme)      *.dev.example.com   *.dev.example.com,dev.example.com  90d      yes   name not covered",
      "soon.big-acme.test    custom (big-acme)  soon.big-acme.test  soon.big-acme.test                 3d       yes   expires within 14 days",
      "agents.globex.test    custom (globex)    agents.globex.test  agents.globex.test                 60d      yes   ok",
      "certs: 2 of 4 need attention (see ops doctor for what to do)",
    ]);
  });

  it("reports a refused connection per name", async () => {
    const [closed] = await freePorts(1);
    const probe = new TlsCertificateProbe();
    await expect(probe.served("127.0.0.1", closed!, "a.test", 2000)).rejects.toThrow(
      "connection refused",
    );
  });
});
