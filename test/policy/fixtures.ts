/**
 * Compliant resources as the platform's components register them (names, namespaces and labels
 * follow the contract in model/names.ts). Each test breaks exactly one fact of them.
 */
import { expect } from "vitest";
import { of, type AnalyzeResult, type TestResource } from "./analyzer";
import { CLOUDFLARE, KUBERNETES } from "../../testkit/type-tokens";

export const DIGEST = `sha256:${"a1".repeat(32)}`;
export const GATEWAY_IMAGE = `ghcr.io/systempromptio/systemprompt-template:1.4.0@${DIGEST}`;
export const PROXY_IMAGE = `nginx:1.27.5-alpine@${DIGEST}`;
export const PROXY_IP = "203.0.113.10";

type Json = Record<string, unknown>;

/** A hardened pod spec: non-root, no host access, image by digest, secrets from Secrets. */
export function podSpec(image = GATEWAY_IMAGE, container: Json = {}, pod: Json = {}): Json {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [
      {
        name: "app",
        image,
        ports: [{ containerPort: 8080 }],
        env: [
          { name: "PORT", value: "8080" },
          { name: "MAX_TOKENS", value: "4096" },
          {
            name: "ANTHROPIC_API_KEY",
            valueFrom: { secretKeyRef: { name: "sp-acme-env", key: "ANTHROPIC_API_KEY" } },
          },
        ],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        ...container,
      },
    ],
    volumes: [{ name: "tmp", emptyDir: {} }],
    ...pod,
  };
}

export function deployment(
  name: string,
  namespace: string,
  spec: Json = podSpec(),
  extra: Json = {},
): TestResource {
  return {
    type: KUBERNETES.Deployment,
    name,
    props: {
      metadata: { name, namespace, labels: { "app.kubernetes.io/name": name } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec },
        ...extra,
      },
    },
  };
}

export function namespace(name: string, labels: Json = {}): TestResource {
  return { type: KUBERNETES.Namespace, name, props: { metadata: { name, labels } } };
}

/** A tenant's namespace and everything the TenantApp puts in it, compliant. */
export function tenant(env: string, id: string): TestResource[] {
  const ns = `${env}-tenant-${id}`;
  return [
    namespace(ns, {
      "agent-cloud.io/tenant": id,
      "agent-cloud.io/environment": env,
      "pod-security.kubernetes.io/enforce": "restricted",
    }),
    {
      type: KUBERNETES.NetworkPolicy,
      name: `${id}-default-deny`,
      props: {
        metadata: { name: "default-deny", namespace: ns },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
    },
    {
      type: KUBERNETES.NetworkPolicy,
      name: `${id}-allow`,
      props: {
        metadata: { name: "allow-edge-dns-db", namespace: ns },
        spec: {
          podSelector: { matchLabels: { app: `sp-${id}` } },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": `${env}-edge` },
                  },
                },
              ],
            },
          ],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                  },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [{ port: 53, protocol: "UDP" }],
            },
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": `${env}-database` },
                  },
                },
              ],
              ports: [{ port: 5432, protocol: "TCP" }],
            },
            {
              to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...NON_PUBLIC] } }],
              ports: [{ port: 443, protocol: "TCP" }],
            },
          ],
        },
      },
    },
    {
      type: KUBERNETES.ResourceQuota,
      name: `${id}-quota`,
      props: {
        metadata: { name: "quota", namespace: ns },
        spec: { hard: { "limits.cpu": "2", "limits.memory": "2Gi", pods: "10" } },
      },
    },
    {
      type: KUBERNETES.Service,
      name: `${id}-service`,
      props: {
        metadata: { name: `sp-${id}`, namespace: ns },
        spec: { type: "ClusterIP", clusterIP: "10.96.0.20", ports: [{ port: 8080 }] },
      },
    },
    deployment(`sp-${id}`, ns),
  ];
}

/** The edge: namespace, the only TLS Secret, the proxy (2 replicas) and its LoadBalancer. */
export function edge(env: string, address: unknown = PROXY_IP): TestResource[] {
  const ns = `${env}-edge`;
  return [
    namespace(ns, { "agent-cloud.io/environment": env }),
    {
      type: KUBERNETES.Secret,
      name: "edge-tls",
      props: {
        metadata: { name: "wildcard-tls", namespace: ns },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": "-----BEGIN CERTIFICATE-----\n...", "tls.key": "(secret)" },
      },
    },
    deployment("edge-proxy", ns, podSpec(PROXY_IMAGE)),
    {
      type: KUBERNETES.Service,
      name: "edge-proxy-service",
      props: {
        metadata: { name: "edge-proxy", namespace: ns },
        spec: { type: "LoadBalancer", ports: [{ port: 443 }] },
        status: { loadBalancer: { ingress: [{ ip: address }] } },
      },
    },
  ];
}

/** The ranges the platform's public-internet rule excepts (components/tenant/network-policy.ts). */
export const NON_PUBLIC = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
  "127.0.0.0/8",
  "168.63.129.16/32",
  "192.0.0.0/24",
  "198.18.0.0/15",
];

export function dnsRecord(name: string, content: unknown, type = "A"): TestResource {
  return {
    type: CLOUDFLARE.DnsRecord,
    name: `dns-${name.replace(/[^a-z0-9]/g, "") || "wildcard"}`,
    props: { zoneId: "0".repeat(32), name, type, content, proxied: true, ttl: 1 },
  };
}

/** Asserts that no policy of the pack reported anything. */
export function expectClean(result: AnalyzeResult): void {
  expect(result.diagnostics).toEqual([]);
}

/**
 * Asserts that only `policy` reported, at mandatory level, and that one message holds every
 * fragment. Returns that policy's messages.
 */
export function expectViolation(
  result: AnalyzeResult,
  policy: string,
  ...fragments: string[]
): string[] {
  expect(result.diagnostics.map((d) => d.policyName)).toEqual(result.diagnostics.map(() => policy));
  const found = of(result, policy);
  expect(found.length).toBeGreaterThan(0);
  for (const diagnostic of found) expect(diagnostic.enforcementLevel).toBe("mandatory");
  const messages = found.map((d) => d.message);
  expect(
    messages.some((m) => fragments.every((f) => m.includes(f))),
    messages.join("\n---\n"),
  ).toBe(true);
  return messages;
}
