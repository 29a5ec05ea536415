/**
 * What the union of a tenant namespace's NetworkPolicies lets through. Kubernetes allows a
 * connection if ANY policy selecting the pod allows it, so one permissive policy beside the
 * default-deny opens the namespace: every policy is judged, ingress and egress, against what a
 * tenant may reach (the platform's contract, components/tenant/network-policy.ts).
 */
import { cidrRange, isPublicExcept, privateRangeOf } from "../../lib/cidr";
import { ANNOTATION_DATABASE_CIDRS, ANNOTATION_PRIVATE_EGRESS } from "../lib/platform";
import { asList, asObj, asString, at, isUnknown, type Obj, type Res } from "../lib/resources";

const NAME_LABEL = "kubernetes.io/metadata.name";
const DNS_PORT = 53;

function namespaceNamed(peer: Obj): string | undefined | null {
  const ns = asObj(peer.namespaceSelector);
  if (ns === undefined) return undefined; // no namespaceSelector: the policy's own namespace
  const labels = asObj(ns.matchLabels) ?? {};
  const name = asString(labels[NAME_LABEL]);
  // A selector by any other label (or none) may match many namespaces.
  return name ?? null;
}

function isDnsPods(peer: Obj): boolean {
  const pods = asObj(asObj(peer.podSelector)?.matchLabels) ?? {};
  return pods["k8s-app"] === "kube-dns";
}

/** A port value as written: 53, "dns" (a named port), or a marker for a value not known yet. */
function show(value: unknown): string {
  return isUnknown(value) ? "(not known yet)" : (JSON.stringify(value) ?? "undefined");
}

/**
 * The entries of a rule's `ports` that open more than single ports `allowed` accepts, described
 * ("port 53 with endPort 65535"); a rule without ports opens every port. Empty when every entry is
 * one accepted port, and while a preview does not know the ports yet (judged again once known).
 */
function portOpenings(rule: unknown, allowed: (port: unknown) => boolean): string[] {
  if (isUnknown(at(rule, "ports"))) return [];
  const ports = asList(at(rule, "ports"));
  if (ports.length === 0) return ["every port (no `ports`)"];
  return ports.flatMap((p) => {
    const number = at(p, "port");
    const end = at(p, "endPort");
    if (number === undefined) return ["every port (an entry without `port`)"];
    // endPort widens the entry to the range port..endPort; only endPort === port adds nothing.
    if ((end === undefined || end === number) && allowed(number)) return [];
    return [`port ${show(number)}${end === undefined ? "" : ` with endPort ${show(end)}`}`];
  });
}

/** The finding for a database destination `where` that opens more than single ports, if any. */
function databaseBeyondPorts(where: string, what: string, rule: unknown): string[] {
  // The pack does not know the database server's port, so any single port passes; the platform
  // renders the server's port alone (components/tenant/network-policy.ts).
  const open = portOpenings(rule, () => true);
  return open.length === 0
    ? []
    : [
        `${where} reaches ${what} on ${open.join(", ")}; the pack allows a tenant's database only on single ports (the platform opens the server's port alone: name each port, without endPort)`,
      ];
}

/** Why `np` lets a tenant namespace talk to more than it may; empty when it does not. */
export function openings(np: Res, env: string | undefined): string[] {
  const spec = at(np.props, "spec");
  if (isUnknown(spec)) return [];
  const s: Obj = asObj(spec) ?? {};
  const annotations = asObj(at(np.props, "metadata", "annotations")) ?? {};
  const privateOk = annotations[ANNOTATION_PRIVATE_EGRESS] === "true";
  const databaseCidrs = (asString(annotations[ANNOTATION_DATABASE_CIDRS]) ?? "")
    .split(",")
    .filter((c) => privateRangeOf(c) !== undefined && Number(c.split("/")[1]) >= 16);
  const edge = env === undefined ? undefined : `${env}-edge`;
  const database = env === undefined ? undefined : `${env}-database`;
  const found: string[] = [];

  asList(s.ingress).forEach((rule, i) => {
    const from = asList(at(rule, "from"));
    if (from.length === 0) {
      found.push(`ingress[${i}] has no \`from\`, so it admits every source`);
      return;
    }
    from.forEach((p, j) => {
      const peer = asObj(p) ?? {};
      const where = `ingress[${i}].from[${j}]`;
      if (peer.ipBlock !== undefined) {
        found.push(`${where} admits addresses (ipBlock ${String(at(peer, "ipBlock", "cidr"))})`);
        return;
      }
      const ns = namespaceNamed(peer);
      if (ns === undefined) return; // pods of the tenant's own namespace
      if (ns === null || ns !== edge) {
        found.push(
          `${where} admits ${ns === null ? "namespaces chosen by labels" : `namespace "${ns}"`}; only the edge proxy's namespace${edge ? ` "${edge}"` : ""} may reach a tenant`,
        );
      }
    });
  });

  asList(s.egress).forEach((rule, i) => {
    const to = asList(at(rule, "to"));
    if (to.length === 0) {
      found.push(
        `egress[${i}] has no \`to\`, so it reaches every address${asList(at(rule, "ports")).length > 0 ? " on its ports" : ""} (other tenants, the API server, node ports, cloud metadata)`,
      );
      return;
    }
    to.forEach((p, j) => {
      const peer = asObj(p) ?? {};
      const where = `egress[${i}].to[${j}]`;
      if (peer.ipBlock !== undefined) {
        const cidr = at(peer, "ipBlock", "cidr");
        if (isUnknown(peer.ipBlock) || isUnknown(cidr)) return; // judged again once known
        // Checked before any allowance: the platform renders only IPv4 blocks (a plan's
        // egressCidrs and database CIDRs must be IPv4), and the ranges below are IPv4 ranges, so
        // they cannot say whether an IPv6 block (::/0, fd00:ec2::254, ::ffff:169.254.169.254)
        // stays public.
        if (typeof cidr !== "string" || cidrRange(cidr) === undefined) {
          found.push(
            `${where} reaches ipBlock ${typeof cidr === "string" ? `"${cidr}"` : `with cidr ${String(cidr)}`}, which is not an IPv4 CIDR (the platform renders only IPv4 ipBlocks, so the pack allows no other)`,
          );
          return;
        }
        const except = asList(at(peer, "ipBlock", "except")).filter(
          (x): x is string => typeof x === "string",
        );
        if (privateOk || isPublicExcept(cidr, except)) return;
        if (databaseCidrs.includes(cidr)) {
          found.push(...databaseBeyondPorts(where, `the database network ${cidr}`, rule));
          return;
        }
        found.push(
          `${where} reaches ipBlock ${cidr}${except.length ? ` except ${except.join(", ")}` : ""}, which includes private, link-local or loopback addresses (a plan must say allowPrivateEgress: true, marked by the annotation ${ANNOTATION_PRIVATE_EGRESS})`,
        );
        return;
      }
      const ns = namespaceNamed(peer);
      if (ns === undefined) return; // pods of the tenant's own namespace
      if (ns === "kube-system" && isDnsPods(peer)) {
        const beyond = portOpenings(rule, (port) => port === DNS_PORT);
        if (beyond.length === 0) return;
        found.push(
          `${where} reaches the DNS pods of namespace "kube-system" (k8s-app: kube-dns) on ${beyond.join(", ")}; cluster DNS is allowed on port ${DNS_PORT} alone (no endPort, or endPort ${DNS_PORT})`,
        );
        return;
      }
      if (ns !== null && ns === database) {
        found.push(...databaseBeyondPorts(where, `namespace "${ns}"`, rule));
        return;
      }
      found.push(
        `${where} reaches ${ns === null ? "namespaces chosen by labels" : `namespace "${ns}"`}${ns === "kube-system" ? " beyond its DNS pods (k8s-app: kube-dns) on port 53" : ""}; a tenant may reach only cluster DNS, its database and public addresses`,
      );
    });
  });
  return found;
}
