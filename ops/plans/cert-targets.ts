/** Which names to probe for a stack, what its config expects, and probing them all. */
import type { StackConfig } from "../engine";
import { mapLimit } from "../adapters/health";
import { KEY, tenantsOf } from "../stack-config";
import type { TenantOutput } from "../stack-outputs";
import {
  type CertFinding,
  type CertTarget,
  certificateFinding,
  type TlsExpectation,
  type TlsMode,
} from "./cert-checks";
import type { CertificateProbe } from "../adapters/tls-probe";

const MODES: readonly TlsMode[] = ["self-signed", "provided", "acme", "cloudflare-origin-ca"];

/** `agent-cloud:tls` as far as the checks need it (default `self-signed`, as the schema's). */
export function tlsExpectationOf(config: StackConfig): TlsExpectation {
  const tls = config[`agent-cloud:tls`] as { mode?: unknown; certificate?: unknown } | undefined;
  const mode = MODES.find((m) => m === tls?.mode) ?? "self-signed";
  return {
    mode,
    certificatePem: typeof tls?.certificate === "string" ? tls.certificate : undefined,
  };
}

/** `agent-cloud:domain`, if set. */
export function domainOf(config: StackConfig): string | undefined {
  const domain = config[KEY.domain];
  return typeof domain === "string" ? domain : undefined;
}

/**
 * The platform domain once (through the first tenant's host, else the domain itself: the proxy
 * serves one certificate for all of `*.{domain}`), then every custom domain with its tenant.
 */
export function certTargets(config: StackConfig, tenants: readonly TenantOutput[]): CertTarget[] {
  const domain = domainOf(config);
  const targets: CertTarget[] = [];
  if (domain !== undefined) {
    const first = tenants.find((t) => t.hosts.some((h) => h.endsWith(`.${domain}`)));
    targets.push({
      host: first?.hosts.find((h) => h.endsWith(`.${domain}`)) ?? domain,
      role: "platform",
    });
  }
  const seen = new Set(targets.map((t) => t.host));
  const custom = [
    ...tenantsOf(config).flatMap((t) => t.customDomains.map((host) => ({ id: t.id, host }))),
    ...tenants.flatMap((tenant) =>
      tenant.hosts
        .filter((h) => domain === undefined || (h !== domain && !h.endsWith(`.${domain}`)))
        .map((host) => ({ id: tenant.id, host })),
    ),
  ];
  for (const { id, host } of custom) {
    if (seen.has(host)) continue;
    seen.add(host);
    targets.push({ host, role: `custom (${id})` });
  }
  return targets;
}

/** Probes every target at one address (the proxy), a few at a time. */
export async function probeTargets(
  probe: CertificateProbe,
  address: string,
  port: number,
  targets: readonly CertTarget[],
  expected: TlsExpectation,
  now: Date,
  timeoutMs: number,
): Promise<CertFinding[]> {
  return mapLimit(targets, 8, async (target) => {
    try {
      const certificate = await probe.served(address, port, target.host, timeoutMs);
      return certificateFinding(target, { certificate }, expected, now);
    } catch (error) {
      return certificateFinding(target, { error: (error as Error).message }, expected, now);
    }
  });
}
