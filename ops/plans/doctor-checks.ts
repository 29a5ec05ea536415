/**
 * The checks behind `doctor`, as pure functions over state, DNS answers and HTTP results, each
 * explaining what a failure means for this platform (DNS → proxy → tenant).
 */
import { CLOUDFLARE_STATUS } from "./cloudflare-status";
import type { StateResource } from "../engine";
import type { HealthResult } from "../adapters/health";

/** The outcome of one check; only `fail` makes doctor exit non-zero. */
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

/** One line of the doctor report. */
export interface Check {
  readonly status: CheckStatus;
  /** `dns`, `tls`, `endpoint`, `outputs`. */
  readonly area: string;
  readonly detail: string;
}

function field(resource: StateResource, key: string): unknown {
  return resource.outputs[key] ?? resource.inputs[key];
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function namespaceOf(resource: StateResource): string | undefined {
  const metadata = field(resource, "metadata") as { namespace?: unknown } | undefined;
  return typeof metadata?.namespace === "string" ? metadata.namespace : undefined;
}

function nameOf(resource: StateResource): string {
  const metadata = field(resource, "metadata") as { name?: unknown } | undefined;
  return typeof metadata?.name === "string"
    ? metadata.name
    : (resource.urn.split("::").pop() ?? resource.urn);
}

const CERTIFICATE = /^kubernetes:cert-manager\.io\/v[\w]+:Certificate$/;

/** Whether a state resource holds a TLS certificate: a TLS Secret or a cert-manager Certificate. */
export function isCertificateHolder(resource: StateResource): boolean {
  return (
    (resource.type === "kubernetes:core/v1:Secret" &&
      field(resource, "type") === "kubernetes.io/tls") ||
    CERTIFICATE.test(resource.type)
  );
}

/** TLS lives only on the proxy: every certificate-holding object must be in its namespace `edge`. */
export function certificateChecks(resources: readonly StateResource[], edge: string): Check[] {
  const holders = resources.filter(isCertificateHolder);
  const outside = holders.filter((r) => namespaceOf(r) !== edge);
  if (outside.length > 0) {
    return outside.map((record) => ({
      status: "fail" as const,
      area: "tls",
      detail: `${record.type} ${nameOf(record)} in namespace ${namespaceOf(record) ?? "(none)"} holds a certificate; TLS terminates on the proxy only, so certificates belong in ${edge} and tenants are served plain HTTP behind it`,
    }));
  }
  if (holders.length === 0) {
    return [
      {
        status: "warn",
        area: "tls",
        detail: `no TLS Secret or Certificate in the stack's state; the proxy in ${edge} needs the wildcard certificate`,
      },
    ];
  }
  return [
    {
      status: "pass",
      area: "tls",
      detail: `${holders.length} certificate ${holders.length === 1 ? "object" : "objects"}, all in ${edge} (the proxy)`,
    },
  ];
}

/** A name must resolve to the proxy's addresses and nothing else. */
export function dnsCheck(
  host: string,
  answers: readonly string[],
  proxyAddresses: readonly string[],
): Check {
  const proxy = proxyAddresses.join(", ");
  if (answers.length === 0) {
    return {
      status: "fail",
      area: "dns",
      detail: `${host} does not resolve; publish it (or the wildcard record) pointing at the proxy (${proxy})`,
    };
  }
  const stray = answers.filter((a) => !proxyAddresses.includes(a));
  if (stray.length > 0) {
    return {
      status: "fail",
      area: "dns",
      detail: `${host} resolves to ${answers.join(", ")}, not only the proxy (${proxy}); the record points somewhere else (an old load balancer, another environment, or a tenant directly)`,
    };
  }
  return { status: "pass", area: "dns", detail: `${host} → ${answers.join(", ")} (the proxy)` };
}

/** With Cloudflare proxying, names resolve to Cloudflare: check the records' content in state. */
export function dnsRecordChecks(
  resources: readonly StateResource[],
  proxyAddress: string,
): Check[] {
  const records = resources.filter(
    (r) =>
      r.type.startsWith("cloudflare:") && ["A", "AAAA", "CNAME"].includes(String(field(r, "type"))),
  );
  return records.map((record) => {
    const name = text(field(record, "name")) || nameOf(record);
    const content = text(field(record, "content")) || text(field(record, "value"));
    return content === proxyAddress
      ? {
          status: "pass" as const,
          area: "dns",
          detail: `record ${name} → ${content} (the proxy, via Cloudflare)`,
        }
      : {
          status: "fail" as const,
          area: "dns",
          detail: `record ${name} points to ${content}, not the proxy (${proxyAddress}); every record must point at the proxy`,
        };
  });
}

/** What an endpoint's answer means, DNS → proxy → tenant. */
export function endpointCheck(
  tenant: { id: string; namespace?: string },
  url: string,
  result: HealthResult,
  stack: string,
): Check {
  const at = `${tenant.id} ${url}`;
  const took = `(${result.latencyMs} ms)`;
  if (result.status === undefined) {
    return {
      status: "fail",
      area: "endpoint",
      detail: `${at}: no answer (${result.error ?? "unknown error"}); the name must resolve to the proxy and the proxy Service must have its address`,
    };
  }
  if (result.status < 400)
    return { status: "pass", area: "endpoint", detail: `${at} → ${result.status} ${took}` };
  const ns = tenant.namespace ?? "the tenant's namespace";
  const explain: Record<number, string> = {
    404: `the proxy answered but has no route for this host: either DNS sends the name to another proxy or environment, or the proxy's route table lacks tenant ${tenant.id} (deploy the whole stack so the table includes it)`,
    502: `the proxy routed the request but tenant ${tenant.id} did not answer (pod down or crash-looping, or Service sp-${tenant.id} has no ready endpoints); see npm run ops -- logs --stack ${stack} --tenant ${tenant.id}, and kubectl -n ${ns} get pods`,
    503: `the proxy has the route but tenant ${tenant.id} is unavailable (no ready replica); see kubectl -n ${ns} get pods`,
    504: `the proxy reached tenant ${tenant.id} but it did not answer in time (still starting, or overloaded)`,
  };
  return {
    status: "fail",
    area: "endpoint",
    detail: `${at} → ${result.status} ${took}: ${explain[result.status] ?? CLOUDFLARE_STATUS[result.status] ?? "the tenant's app answered with an error"}`,
  };
}
