import { describe, expect, it } from "vitest";
import {
  PUBLIC_INTERNET,
  type TenantNetworkPolicyInput,
  tenantNetworkPolicySpec,
} from "../../components/tenant/network-policy";

const base: TenantNetworkPolicyInput = {
  appPort: 8080,
  proxyNamespace: "dev-edge",
  database: { namespace: "dev-database", podLabels: { app: "postgres" }, port: 5432 },
  egressPorts: [443],
  egressCidrs: [],
};
const dns = {
  to: [
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
  ],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};
const tcp = (port: number) => ({ protocol: "TCP", port });

describe("tenantNetworkPolicySpec", () => {
  it("selects every pod, lists both policy types and admits only the proxy namespace", () => {
    const spec = tenantNetworkPolicySpec(base);
    expect(spec.podSelector).toEqual({});
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-edge" } } },
        ],
        ports: [tcp(8080)],
      },
    ]);
  });

  it("keeps the public-internet rule off private, CGNAT, link-local and loopback ranges, and public-looking cloud host addresses", () => {
    expect(PUBLIC_INTERNET).toEqual({
      ipBlock: {
        cidr: "0.0.0.0/0",
        except: [
          "10.0.0.0/8",
          "172.16.0.0/12",
          "192.168.0.0/16",
          "100.64.0.0/10",
          "169.254.0.0/16",
          "127.0.0.0/8",
          "168.63.129.16/32",
          "192.0.0.0/24",
          "198.18.0.0/15",
        ],
      },
    });
  });

  const cases: {
    name: string;
    input: Partial<TenantNetworkPolicyInput>;
    egress: unknown[];
  }[] = [
    {
      name: "in-cluster database by namespace and pod labels, HTTPS out",
      input: {},
      egress: [
        dns,
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-database" } },
              podSelector: { matchLabels: { app: "postgres" } },
            },
          ],
          ports: [tcp(5432)],
        },
        { to: [PUBLIC_INTERNET], ports: [tcp(443)] },
      ],
    },
    {
      name: "external database on a private network, by CIDR",
      input: { database: { cidrs: ["10.20.0.0/16", "10.21.0.5/32"], port: 6432 } },
      egress: [
        dns,
        {
          to: [{ ipBlock: { cidr: "10.20.0.0/16" } }, { ipBlock: { cidr: "10.21.0.5/32" } }],
          ports: [tcp(6432)],
        },
        { to: [PUBLIC_INTERNET], ports: [tcp(443)] },
      ],
    },
    {
      name: "external database on a public address: internet on its port only",
      input: { database: { port: 5432 } },
      egress: [
        dns,
        { to: [PUBLIC_INTERNET], ports: [tcp(5432)] },
        { to: [PUBLIC_INTERNET], ports: [tcp(443)] },
      ],
    },
    {
      name: "plan with more ports (sorted, deduplicated) and extra public CIDRs on any port",
      input: { egressPorts: [8443, 443, 443], egressCidrs: ["203.0.113.0/24"] },
      egress: [
        dns,
        expect.objectContaining({ ports: [tcp(5432)] }),
        { to: [PUBLIC_INTERNET], ports: [tcp(443), tcp(8443)] },
        { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }] },
      ],
    },
    {
      name: "plan that opts in to a private range",
      input: { egressCidrs: ["192.168.50.0/24"], allowPrivateEgress: true },
      egress: [
        dns,
        expect.objectContaining({ ports: [tcp(5432)] }),
        { to: [PUBLIC_INTERNET], ports: [tcp(443)] },
        { to: [{ ipBlock: { cidr: "192.168.50.0/24" } }] },
      ],
    },
    {
      name: "plan with no internet at all",
      input: { egressPorts: [] },
      egress: [dns, expect.objectContaining({ ports: [tcp(5432)] })],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(tenantNetworkPolicySpec({ ...base, ...c.input }).egress).toEqual(c.egress);
    });
  }

  it("never names a namespace other than the proxy's, kube-system and the database's", () => {
    const namespaces = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "kubernetes.io/metadata.name") namespaces.add(x as string);
          walk(x);
        }
      }
    };
    walk(tenantNetworkPolicySpec(base));
    expect([...namespaces].sort()).toEqual(["dev-database", "dev-edge", "kube-system"]);
  });

  const invalid: [string, Partial<TenantNetworkPolicyInput>, RegExp][] = [
    ["a CIDR without a prefix", { egressCidrs: ["10.0.0.1"] }, /"10.0.0.1": must be an IPv4 CIDR/],
    ["an IPv4 out of range", { egressCidrs: ["300.0.0.0/8"] }, /"300.0.0.0\/8"/],
    [
      "a database CIDR that is a name",
      { database: { cidrs: ["db.internal"], port: 5432 } },
      /"db.internal"/,
    ],
    ["port 0", { egressPorts: [0] }, /port 0: must be an integer from 1 to 65535/],
    [
      "everything, without the opt-in",
      { egressCidrs: ["0.0.0.0/0"] },
      /"0.0.0.0\/0": overlaps non-public ranges \(10.0.0.0\/8, .*169.254.0.0\/16.*\); only a plan with allowPrivateEgress: true/,
    ],
    ["the metadata service", { egressCidrs: ["169.254.169.254/32"] }, /169.254.0.0\/16/],
    ["a private range", { egressCidrs: ["10.96.0.0/12"] }, /10.0.0.0\/8/],
    ["port 70000", { appPort: 70000 }, /port 70000/],
  ];
  for (const [name, input, error] of invalid) {
    it(`refuses ${name}`, () => {
      expect(() => tenantNetworkPolicySpec({ ...base, ...input })).toThrow(error);
    });
  }
});
