/** TLS only at the edge, DNS only to the proxy: through the real analyzer. */
import { describe, expect, it } from "vitest";
import { urnOf, type PackContext, type TestResource } from "../analyzer";
import { dnsRecord, edge, expectClean, expectViolation, PROXY_IP, tenant } from "../fixtures";
import { CLOUDFLARE, KUBERNETES } from "../../../testkit/type-tokens";

/** Registers the suite; `ctx.pack` is the running pack (set in beforeAll). */
export function edgeSuite(ctx: PackContext): void {
  const TLS = "tls-only-in-edge-namespace";
  const DNS = "dns-targets-proxy-only";

  function tlsSecret(
    namespace: string | undefined,
    extra: Record<string, unknown> = {},
  ): TestResource {
    return {
      type: KUBERNETES.Secret,
      name: "acme-tls",
      props: {
        metadata: { name: "acme-tls", ...(namespace ? { namespace } : {}) },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": "-----BEGIN CERTIFICATE-----", "tls.key": "(secret)" },
        ...extra,
      },
    };
  }

  describe(TLS, () => {
    it("passes the TLS Secret and a cert-manager Certificate in {env}-edge", async () => {
      expectClean(await ctx.pack.analyze(tlsSecret("production-edge")));
      expectClean(
        await ctx.pack.analyze({
          type: KUBERNETES.Certificate,
          name: "wildcard",
          props: {
            metadata: { name: "wildcard", namespace: "production-edge" },
            spec: { secretName: "wildcard-tls", dnsNames: ["*.agents.example.com"] },
          },
        }),
      );
    });

    it("passes ordinary Secrets outside the edge", async () => {
      expectClean(
        await ctx.pack.analyze({
          type: KUBERNETES.Secret,
          name: "acme-env",
          props: {
            metadata: { name: "sp-acme-env", namespace: "production-tenant-acme" },
            type: "Opaque",
          },
        }),
      );
    });

    it("fails a TLS Secret in a tenant namespace, naming it and the edge namespace to use", async () => {
      expectViolation(
        await ctx.pack.analyze(tlsSecret("production-tenant-acme")),
        TLS,
        'Secret "production-tenant-acme/acme-tls" is a TLS Secret (type kubernetes.io/tls) in namespace "production-tenant-acme"',
        'proxy\'s namespace "production-edge"',
      );
    });

    it("fails an Opaque Secret smuggling tls.key, and one in the default namespace", async () => {
      expectViolation(
        await ctx.pack.analyze(tlsSecret("dev-database", { type: "Opaque" })),
        TLS,
        'holds TLS material (stringData["tls.crt"])',
        '"dev-edge"',
      );
      expectViolation(await ctx.pack.analyze(tlsSecret(undefined)), TLS, 'in namespace "default"');
    });

    const pem = (kind: string) => `-----BEGIN ${kind}-----\nMIIBfake\n-----END ${kind}-----\n`;
    const opaque = (namespace: string, data: Record<string, string>): TestResource => ({
      type: KUBERNETES.Secret,
      name: "smuggled",
      props: { metadata: { name: "smuggled", namespace }, type: "Opaque", stringData: data },
    });

    it("passes a lone private key (an app's signing key) outside the edge", async () => {
      expectClean(
        await ctx.pack.analyze(
          opaque("production-tenant-acme", { GITHUB_APP_KEY: pem("RSA PRIVATE KEY") }),
        ),
      );
    });

    it("fails a certificate and key by content under any names, also base64 in data", async () => {
      expectViolation(
        await ctx.pack.analyze(
          opaque("production-tenant-acme", {
            "site.pem": pem("CERTIFICATE"),
            "site.key": pem("EC PRIVATE KEY"),
          }),
        ),
        TLS,
        'holds a certificate and its private key (stringData["site.pem"], stringData["site.key"])',
      );
      const both = Buffer.from(pem("CERTIFICATE") + pem("PRIVATE KEY")).toString("base64");
      expectViolation(
        await ctx.pack.analyze({
          type: KUBERNETES.Secret,
          name: "b64",
          props: { metadata: { name: "b64", namespace: "dev-database" }, data: { bundle: both } },
        }),
        TLS,
        'holds a certificate and its private key (data["bundle"], data["bundle"])',
      );
    });

    it("fails TLS material in a tenant namespace that merely ends in -edge", async () => {
      // Tenant "shop-edge" lives in "production-tenant-shop-edge": not the edge.
      expectViolation(
        await ctx.pack.analyze(tlsSecret("production-tenant-shop-edge")),
        TLS,
        'in namespace "production-tenant-shop-edge"',
      );
    });

    it("fails a cert-manager Certificate and an Ingress terminating TLS outside the edge", async () => {
      expectViolation(
        await ctx.pack.analyze({
          type: KUBERNETES.Certificate,
          name: "acme-cert",
          props: { metadata: { name: "acme", namespace: "production-tenant-acme" }, spec: {} },
        }),
        TLS,
        'Certificate "production-tenant-acme/acme" (Pulumi resource "acme-cert") is a cert-manager Certificate',
      );
      expectViolation(
        await ctx.pack.analyze({
          type: KUBERNETES.Ingress,
          name: "acme",
          props: {
            metadata: { name: "acme", namespace: "production-tenant-acme" },
            spec: { tls: [{ hosts: ["acme.example.com"], secretName: "x" }] },
          },
        }),
        TLS,
        "terminates TLS (spec.tls)",
      );
    });
  });

  describe(DNS, () => {
    const base = () => [...edge("production"), ...tenant("production", "acme")];

    it("passes A records on the proxy's address and a CNAME to such a record", async () => {
      expectClean(
        await ctx.pack.analyzeStack([
          ...base(),
          dnsRecord("*.agents.example.com", PROXY_IP),
          dnsRecord("proxy.agents.example.com", PROXY_IP),
          dnsRecord("chat.acme.com", "proxy.agents.example.com.", "CNAME"),
          // zone-records: a custom domain → the tenant's host, which the wildcard answers for.
          dnsRecord("agents.acme-corp.com", "acme.agents.example.com", "CNAME"),
          dnsRecord("agents.example.com", "v=spf1 -all", "TXT"),
          // A customer's own domain may look like a service name; only the stack's tenants count.
          dnsRecord("sp-energy.com", PROXY_IP),
        ]),
      );
    });

    it("fails a record pointing anywhere but the proxy, naming both addresses", async () => {
      const record = dnsRecord("*.agents.example.com", "198.51.100.7");
      const result = await ctx.pack.analyzeStack([...base(), record]);
      expectViolation(
        result,
        DNS,
        'DnsRecord "dns-agentsexamplecom" (*.agents.example.com A) points at "198.51.100.7", which is not the edge proxy\'s address (203.0.113.10)',
        "point it at the proxy Service's load-balancer address",
      );
      expect(result.diagnostics[0]?.urn).toBe(urnOf(record));
    });

    it("fails a CNAME to a name that only starts like a proxy record", async () => {
      expectViolation(
        await ctx.pack.analyzeStack([
          ...base(),
          dnsRecord("*.agents.example.com", PROXY_IP),
          dnsRecord("chat.acme.com", "acme.agents.example.com.evil.example.net", "CNAME"),
        ]),
        DNS,
        'points at "acme.agents.example.com.evil.example.net", which is not the edge proxy\'s address',
      );
    });

    it("fails a CNAME to a tenant-namespace Service", async () => {
      expectViolation(
        await ctx.pack.analyzeStack([
          ...base(),
          dnsRecord(
            "acme.agents.example.com",
            "sp-acme.production-tenant-acme.svc.cluster.local",
            "CNAME",
          ),
        ]),
        DNS,
        'points at "sp-acme.production-tenant-acme.svc.cluster.local", Service "production-tenant-acme/sp-acme" (Pulumi resource "acme-service"), a tenant\'s Service',
      );
      // A tenant's service name the stack does not hold, and any Service in a tenant namespace.
      for (const [content, why] of [
        ["sp-initech.agents.example.com", "a tenant's service host (sp-{id})"],
        ["metrics.production-tenant-initech.svc", "a Service host in a tenant namespace"],
      ]) {
        expectViolation(
          await ctx.pack.analyzeStack([
            ...base(),
            dnsRecord("x.agents.example.com", content, "CNAME"),
          ]),
          DNS,
          `points at "${content}", ${why}`,
        );
      }
    });

    it("fails an A record on a tenant Service's address, and a record named after a tenant service", async () => {
      expectViolation(
        await ctx.pack.analyzeStack([
          ...base(),
          dnsRecord("acme.agents.example.com", "10.96.0.20"),
        ]),
        DNS,
        'points at "10.96.0.20", Service "production-tenant-acme/sp-acme"',
      );
      expectViolation(
        await ctx.pack.analyzeStack([...base(), dnsRecord("sp-acme.agents.example.com", PROXY_IP)]),
        DNS,
        'is named after Service "production-tenant-acme/sp-acme" (Pulumi resource "acme-service"), a tenant\'s Service ("sp-acme.agents.example.com")',
      );
    });

    it("fails a custom hostname whose origin is a tenant", async () => {
      expectViolation(
        await ctx.pack.analyzeStack([
          ...base(),
          {
            type: CLOUDFLARE.CustomHostname,
            name: "acme-custom",
            props: { hostname: "chat.acme.com", customOriginServer: "sp-acme.agents.example.com" },
          },
        ]),
        DNS,
        'CustomHostname "acme-custom" sends customOriginServer "sp-acme.agents.example.com" to Service "production-tenant-acme/sp-acme"',
      );
    });
  });
}
