/** `certs`: the certificate the proxy really serves for each name, and what is wrong with it. */
import { defineCommand } from "../command-line/command";
import { stackFlag, timeoutFlag } from "../command-line/flags";
import { EXPIRY_WARNING_DAYS, issuerName, problems } from "../plans/cert-checks";
import { probeTargets } from "../adapters/tls-probe";
import { certTargets, tlsExpectationOf } from "../plans/cert-targets";
import { DEFAULT_HTTP_TIMEOUT_MS, type OpsContext, tlsProbe } from "../context";
import { OpsError } from "../errors";
import { println, renderTable } from "../format/text";
import { proxyAddressOutput, tenantsOutput } from "../stack-outputs";

/** `certs` flags. */
export interface CertsOptions {
  readonly stack: string;
  /** Connect here instead of the stack's proxyAddress (a port-forward, a node IP). */
  readonly address?: string;
  /** @default 443 */
  readonly port?: number;
  readonly timeoutMs?: number;
}

/** `certs`: its flags, their help, and the options they give. */
export const certsCommand = defineCommand({
  spec: {
    name: "certs",
    summary: "the certificate served for each name: issuer, names, expiry, mode",
    usage: "certs --stack S [--address A] [--port N] [--timeout MS]",
    flags: {
      stack: stackFlag("stack to check"),
      address: {
        type: "string",
        value: "A",
        doc: "connect here instead of the stack's proxyAddress (e.g. 127.0.0.1\nwith kubectl port-forward)",
      },
      port: { type: "string", value: "N", doc: "TLS port (default 443)" },
      timeout: timeoutFlag("time each handshake may take (default 5000)"),
    },
    notes: `Connects with SNI for the platform domain and every custom domain and reads the
certificate actually served. Exits 1 when a name is not covered, a certificate
expires within 14 days, or it is not what tls.mode configures.`,
  },
  parse: (args): CertsOptions => ({
    stack: args.required("stack"),
    address: args.text("address"),
    port: args.port("port"),
    timeoutMs: args.positiveInt("timeout"),
  }),
  run: certs,
});

/** Prints one row per name; exits 1 when any name is uncovered, expiring, or off-mode. */
export async function certs(ctx: OpsContext, options: CertsOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.stack);
  const [outputs, config] = await Promise.all([
    engine.outputs(options.stack),
    engine.readConfig(options.stack),
  ]);
  const exported = proxyAddressOutput(outputs);
  const address = options.address ?? (exported === "" ? "127.0.0.1" : exported);
  if (address === undefined) {
    throw new OpsError(
      `stack "${options.stack}" exports no proxyAddress; deploy it, or pass --address to connect elsewhere (e.g. 127.0.0.1 with a port-forward)`,
    );
  }
  const port = options.port ?? 443;
  const expected = tlsExpectationOf(config);
  const targets = certTargets(config, tenantsOutput(outputs));
  if (targets.length === 0) {
    throw new OpsError(
      `stack "${options.stack}" sets no agent-cloud:domain and exports no tenant hosts`,
    );
  }
  const findings = await probeTargets(
    tlsProbe(ctx),
    address,
    port,
    targets,
    expected,
    ctx.now(),
    options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
  );
  println(
    stdout,
    `certs: stack "${options.stack}", tls.mode ${expected.mode}, served by ${address}:${port}`,
  );
  const rows = findings.map((finding) => {
    const certificate = finding.certificate;
    const trouble = problems(finding);
    return [
      finding.target.host,
      finding.target.role,
      certificate === undefined ? "-" : issuerName(certificate.issuer),
      certificate === undefined ? "-" : certificate.names.join(","),
      certificate === undefined ? "-" : finding.daysLeft < 0 ? "expired" : `${finding.daysLeft}d`,
      certificate === undefined ? "-" : finding.modeMatches ? "yes" : "no",
      trouble.length === 0 ? "ok" : trouble.join("; "),
    ];
  });
  for (const line of renderTable(
    ["NAME", "FOR", "ISSUER", "COVERS", "EXPIRES", "MODE", "RESULT"],
    rows,
  ))
    println(stdout, line);
  const bad = findings.filter((f) => problems(f).length > 0).length;
  println(
    stdout,
    bad === 0
      ? `certs: ${findings.length} ok (none within ${EXPIRY_WARNING_DAYS} days of expiry)`
      : `certs: ${bad} of ${findings.length} need attention (see ops doctor for what to do)`,
  );
  return bad > 0 ? 1 : 0;
}
