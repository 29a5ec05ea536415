/** `doctor`: the usual reasons a deploy does not serve, checked one by one. */
import { defineCommand } from "../command-line/command";
import { stackFlag, timeoutFlag } from "../command-line/flags";
import { isIP } from "node:net";
import { cloudflareZone, DEFAULT_HTTP_TIMEOUT_MS, type OpsContext } from "../context";
import {
  type Check,
  certificateChecks,
  dnsCheck,
  dnsRecordChecks,
  endpointCheck,
} from "../plans/doctor-checks";
import { liveZoneDoctorChecks, servedCertificateDoctorChecks } from "../adapters/doctor-live";
import { edgeCertificateChecks } from "../plans/edge-certificate-check";
import { println } from "../format/text";
import { healthUrl, mapLimit } from "../adapters/health";
import { edgeNamespace } from "../../model/names";
import { dnsModeOf, environmentOf, healthPathOf, sectionOf, tenantsOf } from "../stack-config";
import {
  edgeNamespaceOutput,
  environmentOutput,
  proxyAddressOutput,
  tenantsOutput,
} from "../stack-outputs";

/** `doctor` flags. */
export interface DoctorOptions {
  readonly stack: string;
  readonly timeoutMs?: number;
}

/** `doctor`: its flags, their help, and the options they give. */
export const doctorCommand = defineCommand({
  spec: {
    name: "doctor",
    summary: "check DNS, certificates and tenant endpoints",
    usage: "doctor --stack S [--timeout MS]",
    flags: {
      stack: stackFlag("stack to check"),
      timeout: timeoutFlag("time each endpoint may take (default 5000)"),
    },
    notes: `Checks that every tenant name resolves to the proxy, that certificates exist
only in the proxy's namespace, and that each tenant answers (explaining what
a 404 or 502 means). Exits 1 when a check fails.`,
  },
  parse: (args): DoctorOptions => ({
    stack: args.required("stack"),
    timeoutMs: args.positiveInt("timeout"),
  }),
  run: doctor,
});

const LABEL: Record<Check["status"], string> = {
  pass: "PASS",
  fail: "FAIL",
  warn: "WARN",
  skip: "SKIP",
};

/** Runs every check; exits 1 when any fails. */
export async function doctor(ctx: OpsContext, options: DoctorOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.stack);
  const [outputs, config, resources] = await Promise.all([
    engine.outputs(options.stack),
    engine.readConfig(options.stack),
    engine.resources(options.stack),
  ]);
  const checks: Check[] = [];
  const environment = environmentOutput(outputs) ?? environmentOf(config) ?? options.stack;
  const tenants = tenantsOutput(outputs);
  const exported = proxyAddressOutput(outputs);
  // A proxy Service without an external address (NodePort on kind) is reached on loopback.
  const proxy = exported === "" ? "127.0.0.1" : exported;

  // DNS: every tenant host (and custom domain) must lead to the proxy.
  if (proxy === undefined) {
    checks.push({
      status: "fail",
      area: "dns",
      detail: `stack "${options.stack}" exports no proxyAddress; deploy it (the proxy's Service gets its address then)`,
    });
  } else if (dnsModeOf(config).proxied) {
    const zone = cloudflareZone(ctx);
    const zoneId = sectionOf(config, "dns").zoneId;
    if (zone !== undefined && typeof zoneId === "string") {
      checks.push(...(await liveZoneDoctorChecks(zone, zoneId, config, proxy, true)));
    } else {
      checks.push({
        status: "skip",
        area: "dns",
        detail:
          "records are proxied by Cloudflare, so names resolve to Cloudflare; checked the records in state instead (set CLOUDFLARE_API_TOKEN to read the live zone)",
      });
      checks.push(...dnsRecordChecks(resources, proxy));
    }
  } else {
    const proxyAddresses = isIP(proxy) !== 0 ? [proxy] : await ctx.dns.resolve(proxy);
    const customDomains = tenantsOf(config).flatMap((t) => t.customDomains);
    const hosts = [...new Set([...tenants.flatMap((t) => t.hosts), ...customDomains])];
    for (const host of hosts)
      checks.push(dnsCheck(host, await ctx.dns.resolve(host), proxyAddresses));
  }

  checks.push(
    ...certificateChecks(resources, edgeNamespaceOutput(outputs) ?? edgeNamespace(environment)),
  );
  checks.push(...edgeCertificateChecks(config));

  const path = healthPathOf(config);
  const timeout = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  if (proxy !== undefined)
    checks.push(...(await servedCertificateDoctorChecks(ctx, config, tenants, proxy, timeout)));
  const results = await mapLimit(tenants, 8, (t) =>
    ctx.health.check(healthUrl(t.url, path), timeout),
  );
  tenants.forEach((tenant, index) => {
    const result = results[index] ?? { latencyMs: 0, error: "not checked" };
    checks.push(endpointCheck(tenant, healthUrl(tenant.url, path), result, options.stack));
  });
  if (tenants.length === 0) {
    checks.push({
      status: "warn",
      area: "endpoint",
      detail: "the stack exports no tenants to check",
    });
  }

  const proxyText =
    exported === "" ? "127.0.0.1 (its Service has no external address)" : (proxy ?? "unknown");
  println(
    stdout,
    `doctor: stack "${options.stack}" (environment ${environment}, proxy ${proxyText})`,
  );
  for (const check of checks)
    println(stdout, `${LABEL[check.status]}  ${check.area.padEnd(8)}  ${check.detail}`);
  const failed = checks.filter((c) => c.status === "fail").length;
  const passed = checks.filter((c) => c.status === "pass").length;
  println(stdout, `doctor: ${passed} checks passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
