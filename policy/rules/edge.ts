/**
 * The edge owns TLS and public DNS: certificates live only in the proxy's namespace, and every
 * public record resolves to the proxy, never to a tenant (which would bypass TLS, routing and
 * the proxy's 404/502 handling, and expose one tenant's service directly).
 */
import {
  environmentOfNamespace,
  isEdgeNamespace,
  isTenantNamespaceName,
  SECRET,
  SERVICE,
  serviceAddresses,
} from "../lib/platform";
import {
  asList,
  asObj,
  asString,
  at,
  describe,
  isUnknown,
  namespaceOf,
  objectName,
  type Res,
} from "../lib/resources";
import { resourceRule, stackRule, type Report } from "../lib/rule";
import { recordCovers } from "../../model/rules/domains";

const CERTIFICATE = /^kubernetes:cert-manager\.io\/v[0-9a-z]+:Certificate$/;
const INGRESS = /^kubernetes:(?:networking\.k8s\.io|extensions)\/v[0-9a-z]+:Ingress$/;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** The text of a Secret's values: stringData as is, data base64-decoded. */
function secretValues(r: Res): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(asObj(at(r.props, "stringData")) ?? {})) {
    if (typeof v === "string") out.push([`stringData["${k}"]`, v]);
  }
  for (const [k, v] of Object.entries(asObj(at(r.props, "data")) ?? {})) {
    if (typeof v === "string")
      out.push([`data["${k}"]`, Buffer.from(v, "base64").toString("utf8")]);
  }
  return out;
}

/** What makes a resource TLS material, or undefined. */
function tlsMaterial(r: Res): string | undefined {
  if (r.type === SECRET) {
    if (at(r.props, "type") === "kubernetes.io/tls")
      return "is a TLS Secret (type kubernetes.io/tls)";
    for (const field of ["data", "stringData"]) {
      const keys = Object.keys(asObj(at(r.props, field)) ?? {});
      const key = keys.find((k) => k === "tls.key" || k === "tls.crt");
      if (key) return `holds TLS material (${field}["${key}"])`;
    }
    // By content, whatever the type and key names: a certificate with its private key is a
    // serving identity. (A lone private key, e.g. a GitHub App's, is an ordinary app secret.)
    const values = secretValues(r);
    const cert = values.find(([, v]) => PEM_CERTIFICATE.test(v));
    const key = values.find(([, v]) => PEM_PRIVATE_KEY.test(v));
    if (cert && key) return `holds a certificate and its private key (${cert[0]}, ${key[0]})`;
  }
  if (CERTIFICATE.test(r.type)) return "is a cert-manager Certificate";
  if (INGRESS.test(r.type) && asList(at(r.props, "spec", "tls")).length > 0) {
    return "terminates TLS (spec.tls)";
  }
  return undefined;
}

export const tlsOnlyAtEdge = resourceRule(
  {
    name: "tls-only-in-edge-namespace",
    description:
      "Certificates, TLS Secrets and TLS termination belong only to the edge proxy's namespace ({environment}-edge).",
    severity: "critical",
  },
  (r, report) => {
    const what = tlsMaterial(r);
    if (!what) return;
    const ns = namespaceOf(r);
    if (isUnknown(ns) || (ns !== undefined && isEdgeNamespace(ns))) return;
    const env = ns === undefined ? undefined : environmentOfNamespace(ns);
    const edge = env ? `"${env}-edge"` : `"{environment}-edge"`;
    report(
      `${describe(r)} ${what} in namespace "${ns ?? "default"}". TLS terminates only at the edge ` +
        `proxy: keep certificates and their keys in the proxy's namespace ${edge} (its wildcard ` +
        `certificate already covers every tenant host) and remove this one.`,
    );
  },
);

const DNS_RECORD_TYPES = new Set([
  "cloudflare:index/dnsRecord:DnsRecord",
  "cloudflare:index/record:Record",
]);
const CUSTOM_HOSTNAME = "cloudflare:index/customHostname:CustomHostname";
/** Record types whose content is where traffic goes. */
const ADDRESS_RECORDS = new Set(["A", "AAAA", "CNAME"]);
/** An in-cluster host of a Service in a tenant namespace: `x.{env}-tenant-{id}.svc...`. */
const TENANT_SERVICE_HOST = /(^|\.)[a-z0-9-]+-tenant-[a-z0-9-]+\.svc(\.|$)/;
/** A tenant app's service name (`sp-{id}`) as the first label of a host. */
const TENANT_SERVICE_LABEL = /^sp-[a-z0-9-]+(\.|$)/;

function normalize(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

interface Targets {
  /** Known proxy addresses (LoadBalancer ingress, loadBalancerIP, externalIPs). */
  readonly proxy: Set<string>;
  /** Some proxy address is not known yet: the record cannot be compared now. */
  readonly proxyPending: boolean;
  /** Tenant service hosts and addresses, mapped to the Service they belong to. */
  readonly tenant: Map<string, string>;
  /** Names of the Services in tenant namespaces (`sp-acme`), mapped the same way. */
  readonly tenantServices: Map<string, string>;
}

function collectTargets(resources: readonly Res[]): Targets {
  const proxy = new Set<string>();
  let proxyPending = false;
  const tenant = new Map<string, string>();
  const tenantServices = new Map<string, string>();
  for (const r of resources) {
    if (r.type !== SERVICE) continue;
    const ns = namespaceOf(r);
    if (typeof ns !== "string") continue;
    if (isEdgeNamespace(ns)) {
      const type = at(r.props, "spec", "type");
      if (isUnknown(type)) proxyPending = true;
      if (type !== "LoadBalancer") continue;
      const { addresses, pending } = serviceAddresses(r);
      addresses.forEach((a) => proxy.add(normalize(a)));
      proxyPending ||= pending;
    } else if (isTenantNamespaceName(ns)) {
      const name = objectName(r);
      const owner = describe(r);
      tenantServices.set(name, owner);
      for (const host of [
        `${name}.${ns}.svc.cluster.local`,
        `${name}.${ns}.svc`,
        `${name}.${ns}`,
      ]) {
        tenant.set(host, owner);
      }
      serviceAddresses(r).addresses.forEach((a) => tenant.set(normalize(a), owner));
      const more = [at(r.props, "spec", "clusterIP"), at(r.props, "spec", "externalName")];
      for (const v of [...more, ...asList(at(r.props, "spec", "clusterIPs"))]) {
        if (typeof v === "string" && v !== "" && v !== "None") tenant.set(normalize(v), owner);
      }
    }
  }
  return { proxy, proxyPending, tenant, tenantServices };
}

/**
 * Why a host or address names a tenant, or undefined. Record NAMES are customers' domains too,
 * so only the stack's own tenant Services count there; CONTENT must be the proxy anyway, so any
 * `sp-{id}` host counts as well.
 */
function tenantReference(
  value: string,
  targets: Targets,
  field: "name" | "content",
): string | undefined {
  const v = normalize(value);
  const owner = targets.tenant.get(v) ?? targets.tenantServices.get(v.split(".")[0] ?? "");
  if (owner) return `${owner}, a tenant's Service`;
  if (TENANT_SERVICE_HOST.test(v)) return "a Service host in a tenant namespace";
  if (field === "content" && TENANT_SERVICE_LABEL.test(v))
    return "a tenant's service host (sp-{id})";
  return undefined;
}

const FIX =
  "Public DNS must reach tenants only through the edge proxy: point it at the proxy Service's " +
  "load-balancer address (the ManagementProxy's address output); the proxy routes each Host to its tenant.";

function checkRecord(r: Res, targets: Targets, proxyNames: Set<string>, report: Report): void {
  const name = asString(at(r.props, "name"));
  const rawType = at(r.props, "type");
  const type = typeof rawType === "string" ? rawType.toUpperCase() : "A";
  const label = `${describe(r)} (${name ?? "?"} ${type})`;
  if (name) {
    const why = tenantReference(name, targets, "name");
    if (why) {
      report(
        `${label} is named after ${why} ("${name}"). Name public records after the tenant id ` +
          `({id}.{domain}), never after a tenant's service. ${FIX}`,
        r.urn,
      );
    }
  }
  if (!ADDRESS_RECORDS.has(type)) return;
  const raw = at(r.props, "content") ?? at(r.props, "value");
  if (typeof raw !== "string") return; // not known yet (preview): the update run checks it
  const why = tenantReference(raw, targets, "content");
  if (why) {
    report(`${label} points at "${raw}", ${why}. ${FIX}`, r.urn);
    return;
  }
  const content = normalize(raw);
  const proxy = targets.proxy;
  if (proxy.size === 0 || targets.proxyPending || proxy.has(content)) return;
  if (type === "CNAME" && [...proxyNames].some((n) => recordCovers(n, content))) {
    // A CNAME to a name a proxy record answers for: that record itself, or a host under a
    // wildcard one (a zone record for a custom domain → `{id}.{domain}`).
    return;
  }
  report(
    `${label} points at "${raw}", which is not the edge proxy's address (${[...proxy].join(", ")}). ${FIX}`,
    r.urn,
  );
}

export const dnsTargetsProxy = stackRule(
  {
    name: "dns-targets-proxy-only",
    description:
      "Public DNS records and custom hostnames resolve to the edge proxy's address, never to a tenant.",
    severity: "critical",
  },
  (resources, report) => {
    const targets = collectTargets(resources);
    const records = resources.filter((r) => DNS_RECORD_TYPES.has(r.type));
    const proxyNames = new Set<string>();
    for (const r of records) {
      const content = at(r.props, "content") ?? at(r.props, "value");
      const name = asString(at(r.props, "name"));
      if (name && typeof content === "string" && targets.proxy.has(normalize(content))) {
        proxyNames.add(normalize(name));
      }
    }
    for (const r of records) checkRecord(r, targets, proxyNames, report);
    for (const r of resources.filter((x) => x.type === CUSTOM_HOSTNAME)) {
      for (const field of ["customOriginServer", "customOriginSni"]) {
        const value = asString(at(r.props, field));
        const why = value === undefined ? undefined : tenantReference(value, targets, "content");
        if (value && why) {
          report(`${describe(r)} sends ${field} "${value}" to ${why}. ${FIX}`, r.urn);
        }
      }
    }
  },
);
