/**
 * agent-cloud's CrossGuard policy pack. Every rule is mandatory: a violation fails
 * `pulumi preview` / `pulumi up --policy-pack policy`.
 *
 * Resource rules (checked on each resource before it is created or updated):
 * - `tls-only-in-edge-namespace`: TLS Secrets (type kubernetes.io/tls, tls.key/tls.crt keys, or a
 *   certificate with its private key by content, base64 or not), cert-manager Certificates and
 *   Ingress `spec.tls` only in `{env}-edge` (env: letters and digits; a tenant namespace that
 *   merely ends in `-edge` is not the edge).
 * - `pod-no-privileged-containers`: no `privileged`, no `allowPrivilegeEscalation: true`, no added
 *   capability beyond NET_BIND_SERVICE (containers, init and ephemeral containers).
 * - `pod-run-as-non-root`: every container has `runAsNonRoot: true` or `runAsUser > 0`, from the
 *   container or the pod; `runAsUser: 0` always fails.
 * - `pod-no-host-access`: no hostNetwork/hostPID/hostIPC, hostPath volume or hostPort, and no
 *   hostPath or local PersistentVolume.
 *   (The three pod rules cover Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs.)
 * - `no-plaintext-secrets`: no ConfigMap data/binaryData and no container `env[].value` whose name
 *   ends in a secret's word (…_API_KEY, …TOKEN, …PASSWORD, …SECRET) or whose value looks like a
 *   credential (sk-…, PEM private key, ghp_…, AKIA…, AIza…, JWT, ac_{env}_…, URL with a password).
 *   `valueFrom.secretKeyRef` is the way. Also container command/args, annotations, and JSON
 *   ConfigMap values at any depth; the detector is model/rules/secrets.ts, shared with the config
 *   validation and the build-context scan.
 * - `production-images-by-digest`: in production every container image ends in `@sha256:<64 hex>`.
 * - `production-proxy-replicas`: in production the Deployment in `{env}-edge` (the proxy) has
 *   `spec.replicas >= 2`.
 *
 * Stack rules (checked on the whole stack at the end of a preview or update):
 * - `dns-targets-proxy-only`: Cloudflare DnsRecords (A/AAAA/CNAME) point at the proxy Service's
 *   load-balancer address whenever it is known, and no record name or content, nor a
 *   CustomHostname origin, references a tenant (`sp-{id}` hosts, `{env}-tenant-{id}` Services).
 * - `tenant-namespace-default-deny`: each tenant namespace has a NetworkPolicy with
 *   `podSelector: {}`, policyTypes Ingress and Egress and no allow-all rule, and NO policy of the
 *   namespace (the cluster enforces their union) admits ingress from anywhere but
 *   `{env}-edge` or egress beyond the kube-dns pods on 53, `{env}-database` (or the database's
 *   annotated network) on single ports, and public addresses (private ones only with the plan's
 *   annotation).
 * - `tenant-network-policies-kubernetes-only`: no network policy the pack cannot judge where it
 *   reaches tenants: no Cilium (`cilium.io` CiliumNetworkPolicy), Calico (`crd.projectcalico.org`
 *   or `projectcalico.org` NetworkPolicy) or Antrea (`crd.antrea.io` NetworkPolicy) policy in a
 *   tenant namespace, and no cluster-wide one anywhere in the stack (CiliumClusterwideNetworkPolicy,
 *   Calico GlobalNetworkPolicy, Antrea ClusterNetworkPolicy, `policy.networking.k8s.io`
 *   AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy): the cluster enforces
 *   them beside the NetworkPolicies, whose union the rule above judges. Registered by kind
 *   (`kubernetes:cilium.io/v2:CiliumNetworkPolicy`) or as the generic
 *   `kubernetes:apiextensions.k8s.io:CustomResource` with that `apiVersion` and `kind`, or patched.
 * - `tenant-namespace-quota`: each tenant namespace has a ResourceQuota with `spec.hard`.
 * - `tenant-namespace-restricted-pod-security`: each tenant namespace is declared with
 *   `pod-security.kubernetes.io/enforce: restricted`.
 * - `production-database-protected`: in production every `postgresql` Database and the
 *   in-cluster database StatefulSet carry `protect: true`.
 *
 * `*Patch` resources are judged as the type they patch (rules see `kubernetes:apps/v1:Deployment`
 * for a DeploymentPatch); a NamespacePatch lowering a tenant's Pod Security fails.
 *
 * Environment: a policy never sees the stack config (`agent-cloud:environment`), so production is
 * recognized from what the program writes on its resources by contract: the
 * `agent-cloud.io/environment` label and the `{env}-` prefix of namespace names (lib/platform.ts).
 *
 * Values not known during preview (a built image's digest, the proxy's address) are skipped
 * rather than guessed; the update analyzes the same resources again with them known.
 *
 * Run: `pulumi preview --policy-pack policy` (the CLI runs this file with ts-node from this
 * folder, which needs its package.json for the pack's version).
 */
import { PolicyPack } from "@pulumi/policy";
import { dnsTargetsProxy, tlsOnlyAtEdge } from "./rules/edge";
import { noPlaintextSecrets } from "./rules/plaintext-secrets";
import { noHostAccess, noPrivilegedContainers, nonRootContainers } from "./rules/pods";
import { databaseProtected, imagesByDigest, proxyReplicas } from "./rules/production";
import {
  tenantDefaultDeny,
  tenantKubernetesNetworkPoliciesOnly,
  tenantQuota,
  tenantRestrictedPodSecurity,
} from "./rules/tenants";

new PolicyPack("agent-cloud", {
  description:
    "agent-cloud platform guardrails: TLS and DNS at the edge, tenant isolation, pod hardening, production guards, no secrets in clear.",
  enforcementLevel: "mandatory",
  policies: [
    tlsOnlyAtEdge,
    dnsTargetsProxy,
    tenantDefaultDeny,
    tenantKubernetesNetworkPoliciesOnly,
    tenantQuota,
    tenantRestrictedPodSecurity,
    noPrivilegedContainers,
    nonRootContainers,
    noHostAccess,
    imagesByDigest,
    proxyReplicas,
    databaseProtected,
    noPlaintextSecrets,
  ],
});
