/** Tenant namespace isolation (stack rules): through the real analyzer. */
import { describe, expect, it } from "vitest";
import { unknown, urnOf, type PackContext, type TestResource } from "../analyzer";
import { deployment, edge, expectClean, expectViolation, namespace, tenant } from "../fixtures";
import { tenantNetworkPolicySpec } from "../../../components/tenant/network-policy";
import { networkPolicyAnnotations } from "../../../components/tenant/private-egress";
import { KUBERNETES } from "../../../testkit/type-tokens";

/** Registers the suite; `ctx.pack` is the running pack (set in beforeAll). */
export function tenantsSuite(ctx: PackContext): void {
  const DENY = "tenant-namespace-default-deny";
  const QUOTA = "tenant-namespace-quota";
  const PSS = "tenant-namespace-restricted-pod-security";

  /** Two compliant tenants and the edge, with `change` applied to tenant acme's resources. */
  function stack(change: (acme: TestResource[]) => TestResource[]): TestResource[] {
    return [...edge("dev"), ...change(tenant("dev", "acme")), ...tenant("dev", "globex")];
  }

  const without = (type: string, name?: string) => (rs: TestResource[]) =>
    rs.filter((r) => r.type !== type || (name !== undefined && r.name !== name));

  function withDenySpec(spec: Record<string, unknown>) {
    return (rs: TestResource[]) =>
      rs.map((r) => (r.name === "acme-default-deny" ? { ...r, props: { ...r.props, spec } } : r));
  }

  describe(DENY, () => {
    it("passes tenants with a default-deny policy (narrow allowances alongside)", async () => {
      expectClean(await ctx.pack.analyzeStack(stack((rs) => rs)));
    });

    it("passes one policy that denies by default and allows only narrow traffic", async () => {
      const combined = withDenySpec({
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-edge" } } },
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
        ],
      });
      expectClean(
        await ctx.pack.analyzeStack(
          stack((rs) => combined(without(KUBERNETES.NetworkPolicy, "acme-allow")(rs))),
        ),
      );
    });

    it("fails a tenant namespace with no default-deny, on its Namespace", async () => {
      const result = await ctx.pack.analyzeStack(
        stack(without(KUBERNETES.NetworkPolicy, "acme-allow")),
      );
      expectClean(result); // removing only the allowance keeps the deny
      const missing = await ctx.pack.analyzeStack(stack(without(KUBERNETES.NetworkPolicy)));
      expectViolation(
        missing,
        DENY,
        'Tenant namespace "dev-tenant-acme" has no default-deny NetworkPolicy',
        'spec.podSelector: {} and spec.policyTypes: ["Ingress", "Egress"]',
      );
      expect(missing.diagnostics.map((d) => d.urn)).toEqual([
        urnOf({ type: KUBERNETES.Namespace, name: "dev-tenant-acme" }),
      ]);
    });

    it("fails near misses and says why each one is not a default-deny", async () => {
      expectViolation(
        await ctx.pack.analyzeStack(
          stack(withDenySpec({ podSelector: {}, policyTypes: ["Ingress"] })),
        ),
        DENY,
        'NetworkPolicy "dev-tenant-acme/default-deny" (Pulumi resource "acme-default-deny"): its policyTypes lack Egress',
      );
      expectViolation(
        await ctx.pack.analyzeStack(
          stack(
            withDenySpec({ podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}] }),
          ),
        ),
        DENY,
        "an ingress rule has no `from`, so it admits every source",
      );
      expectViolation(
        await ctx.pack.analyzeStack(
          stack(
            withDenySpec({ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] }),
          ),
        ),
        DENY,
        "an egress rule has neither `to` nor `ports`",
      );
    });
  });

  describe(`${DENY}: the union of a namespace's policies, ingress and egress`, () => {
    const extra =
      (
        spec: Record<string, unknown>,
        type: string = KUBERNETES.NetworkPolicy,
        annotations?: object,
      ) =>
      (rs: TestResource[]): TestResource[] => [
        ...rs,
        {
          type,
          name: "acme-extra",
          props: {
            metadata: {
              name: "extra",
              namespace: "dev-tenant-acme",
              ...(annotations ? { annotations } : {}),
            },
            spec,
          },
        },
      ];
    const opens = async (
      spec: Record<string, unknown>,
      expected: string,
      type: string = KUBERNETES.NetworkPolicy,
    ) => {
      const result = await ctx.pack.analyzeStack(stack(extra(spec, type)));
      expectViolation(result, DENY, expected);
      expect(result.diagnostics.map((d) => d.urn)).toEqual([urnOf({ type, name: "acme-extra" })]);
    };

    it("passes extra policies that stay inside the contract (own pods, public egress, opted-in private)", async () => {
      expectClean(
        await ctx.pack.analyzeStack(
          stack(
            extra({
              podSelector: {},
              policyTypes: ["Ingress", "Egress"],
              ingress: [{ from: [{ podSelector: { matchLabels: { app: "worker" } } }] }],
              egress: [{ to: [{ ipBlock: { cidr: "203.0.113.0/24" } }] }],
            }),
          ),
        ),
      );
      expectClean(
        await ctx.pack.analyzeStack(
          stack(
            extra(
              { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.30.0.0/24" } }] }] },
              KUBERNETES.NetworkPolicy,
              { "agent-cloud.io/allow-private-egress": "true" },
            ),
          ),
        ),
      );
      expectClean(
        await ctx.pack.analyzeStack(
          stack(
            extra(
              {
                podSelector: {},
                egress: [{ to: [{ ipBlock: { cidr: "10.30.0.0/24" } }], ports: [{ port: 5432 }] }],
              },
              KUBERNETES.NetworkPolicy,
              { "agent-cloud.io/database-cidrs": "10.30.0.0/24" },
            ),
          ),
        ),
      );
    });

    it("fails an allow-all policy beside the default-deny", async () => {
      await opens(
        { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
        "ingress[0] has no `from`, so it admits every source; egress[0] has no `to`, so it reaches every address",
      );
    });

    it("fails ingress from anywhere but the edge: addresses, all namespaces, another tenant", async () => {
      await opens(
        { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] },
        "ingress[0].from[0] admits addresses (ipBlock 0.0.0.0/0)",
      );
      await opens(
        { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] },
        "ingress[0].from[0] admits namespaces chosen by labels",
      );
      await opens(
        {
          podSelector: {},
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": "dev-tenant-globex" },
                  },
                },
              ],
            },
          ],
        },
        'ingress[0].from[0] admits namespace "dev-tenant-globex"; only the edge proxy\'s namespace "dev-edge" may reach a tenant',
      );
    });

    it("fails egress to private ranges, all of kube-system, another tenant, or every address", async () => {
      await opens(
        { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] },
        "egress[0].to[0] reaches ipBlock 0.0.0.0/0, which includes private, link-local or loopback addresses",
      );
      await opens(
        { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] }] },
        "egress[0].to[0] reaches ipBlock 169.254.169.254/32",
      );
      await opens(
        {
          podSelector: {},
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                  },
                },
              ],
              ports: [{ port: 53, protocol: "UDP" }],
            },
          ],
        },
        'egress[0].to[0] reaches namespace "kube-system" beyond its DNS pods (k8s-app: kube-dns) on port 53',
      );
      await opens(
        {
          podSelector: {},
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": "dev-tenant-globex" },
                  },
                },
              ],
            },
          ],
        },
        'egress[0].to[0] reaches namespace "dev-tenant-globex"',
      );
      await opens(
        { podSelector: {}, egress: [{ ports: [{ port: 443 }] }] },
        "egress[0] has no `to`, so it reaches every address on its ports",
      );
    });

    /** The whole message the pack reports for the extra policy (the rule's description first). */
    const extraOpens = (openings: string) =>
      "Every tenant namespace has a default-deny NetworkPolicy for Ingress and Egress, and no " +
      "policy of it opens more than the edge (in), cluster DNS, its database and public " +
      "addresses (out).\n" +
      'NetworkPolicy "dev-tenant-acme/extra" (Pulumi resource "acme-extra") opens tenant ' +
      `namespace "dev-tenant-acme" beyond its isolation: ${openings}. Kubernetes allows whatever ` +
      "ANY policy of the namespace allows, so a default-deny beside it does not help: remove the " +
      "rule, or narrow it to the edge proxy (ingress), cluster DNS, the tenant's database and " +
      "public addresses (egress).";
    const exactly = async (
      spec: Record<string, unknown>,
      message: string,
      annotations?: object,
    ) => {
      const result = await ctx.pack.analyzeStack(
        stack(extra(spec, KUBERNETES.NetworkPolicy, annotations)),
      );
      expect(result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.message])).toEqual([
        [DENY, "mandatory", message],
      ]);
      expect(result.diagnostics.map((d) => d.urn)).toEqual([
        urnOf({ type: KUBERNETES.NetworkPolicy, name: "acme-extra" }),
      ]);
    };
    const egressTo = (cidr: unknown) => ({
      podSelector: {},
      egress: [{ to: [{ ipBlock: { cidr } }] }],
    });
    const notIpv4 = (cidr: string) =>
      extraOpens(
        `egress[0].to[0] reaches ipBlock "${cidr}", which is not an IPv4 CIDR (the platform ` +
          "renders only IPv4 ipBlocks, so the pack allows no other)",
      );

    const toDatabase = (ports?: unknown) => ({
      podSelector: {},
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-database" } },
            },
          ],
          ...(ports === undefined ? {} : { ports }),
        },
      ],
    });
    const toDatabaseCidr = (ports?: unknown[]) => ({
      podSelector: {},
      egress: [
        {
          to: [{ ipBlock: { cidr: "10.30.0.0/24" } }],
          ...(ports === undefined ? {} : { ports }),
        },
      ],
    });
    const DATABASE_CIDRS = { "agent-cloud.io/database-cidrs": "10.30.0.0/24" };
    const beyondDatabasePort = (what: string, open: string) =>
      extraOpens(
        `egress[0].to[0] reaches ${what} on ${open}; the pack allows a tenant's database only ` +
          "on single ports (the platform opens the server's port alone: name each port, without endPort)",
      );

    it.each([
      ["every port", undefined, "every port (no `ports`)"],
      ["an entry without a port", [{ protocol: "TCP" }], "every port (an entry without `port`)"],
      ["a port range", [{ port: 5432, endPort: 65535 }], "port 5432 with endPort 65535"],
    ])(
      "fails egress to the database namespace or network on %s with the exact message",
      async (_, ports, open) => {
        await exactly(toDatabase(ports), beyondDatabasePort('namespace "dev-database"', open));
        await exactly(
          toDatabaseCidr(ports),
          beyondDatabasePort("the database network 10.30.0.0/24", open),
          DATABASE_CIDRS,
        );
      },
    );

    it("waits for ports a preview does not know yet, for the database and cluster DNS alike", async () => {
      expectClean(await ctx.pack.analyzeStack(stack(extra(toDatabase(unknown)))));
      const dns = {
        podSelector: {},
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
            ports: unknown,
          },
        ],
      };
      expectClean(await ctx.pack.analyzeStack(stack(extra(dns))));
    });

    it("passes egress to the database namespace or network on single ports", async () => {
      for (const ports of [[{ port: 5432 }], [{ port: 5432, endPort: 5432, protocol: "TCP" }]]) {
        expectClean(await ctx.pack.analyzeStack(stack(extra(toDatabase(ports)))));
        expectClean(
          await ctx.pack.analyzeStack(
            stack(extra(toDatabaseCidr(ports), KUBERNETES.NetworkPolicy, DATABASE_CIDRS)),
          ),
        );
      }
    });

    it.each([
      [
        "0.0.0.0/0",
        extraOpens(
          "egress[0].to[0] reaches ipBlock 0.0.0.0/0, which includes private, link-local or " +
            "loopback addresses (a plan must say allowPrivateEgress: true, marked by the " +
            "annotation agent-cloud.io/allow-private-egress)",
        ),
      ],
      ["::/0", notIpv4("::/0")],
      ["fd00:ec2::254/128", notIpv4("fd00:ec2::254/128")], // AWS's IPv6 metadata service
      ["::ffff:169.254.169.254/128", notIpv4("::ffff:169.254.169.254/128")], // IPv4-mapped
    ])("fails egress to ipBlock %s with the exact message", async (cidr, message) => {
      await exactly(egressTo(cidr), message);
    });

    it("passes every ipBlock the platform renders: public internet, egressCidrs, database CIDRs, private opt-in", async () => {
      const rendered = (
        egressCidrs: string[],
        allowPrivateEgress: boolean,
        database: { cidrs?: string[]; namespace?: string },
      ): TestResource => ({
        type: KUBERNETES.NetworkPolicy,
        name: "acme-extra",
        props: {
          metadata: {
            name: "extra",
            namespace: "dev-tenant-acme",
            ...networkPolicyAnnotations(allowPrivateEgress, database),
          },
          spec: tenantNetworkPolicySpec({
            appPort: 8080,
            proxyNamespace: "dev-edge",
            database: { ...database, port: 5432 },
            egressPorts: [443],
            egressCidrs,
            allowPrivateEgress,
          }),
        },
      });
      for (const policy of [
        rendered(["203.0.113.0/24", "198.51.100.7/32"], false, { namespace: "dev-database" }),
        rendered([], false, { cidrs: ["10.30.0.0/24"] }),
        rendered([], false, {}), // an external database with a public address
        rendered(["10.40.0.0/16", "169.254.169.254/32"], true, { cidrs: ["10.30.0.0/24"] }),
      ]) {
        expectClean(await ctx.pack.analyzeStack(stack((rs) => [...rs, policy])));
      }
    });

    it("fails a block that is not IPv4 even where private egress or database CIDRs are allowed", async () => {
      await exactly(egressTo("::/0"), notIpv4("::/0"), {
        "agent-cloud.io/allow-private-egress": "true",
      });
      await exactly(egressTo("fd00::/8"), notIpv4("fd00::/8"), {
        "agent-cloud.io/database-cidrs": "fd00::/8",
      });
      await exactly(egressTo("10.0.0.0/33"), notIpv4("10.0.0.0/33"), {
        "agent-cloud.io/allow-private-egress": "true",
      });
      await exactly(
        { podSelector: {}, egress: [{ to: [{ ipBlock: {} }] }] },
        extraOpens(
          "egress[0].to[0] reaches ipBlock with cidr undefined, which is not an IPv4 CIDR (the " +
            "platform renders only IPv4 ipBlocks, so the pack allows no other)",
        ),
      );
    });

    /** Egress to the cluster DNS pods on `ports` (none: the rule has no `ports`). */
    const toDnsPods = (ports?: object[]) => ({
      podSelector: {},
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ...(ports ? { ports } : {}),
        },
      ],
    });
    const dnsBeyond = (what: string) =>
      extraOpens(
        `egress[0].to[0] reaches the DNS pods of namespace "kube-system" (k8s-app: kube-dns) on ` +
          `${what}; cluster DNS is allowed on port 53 alone (no endPort, or endPort 53)`,
      );

    it("passes egress to the DNS pods on port 53, with no endPort or endPort 53", async () => {
      for (const ports of [
        [
          { port: 53, protocol: "UDP" },
          { port: 53, protocol: "TCP" },
        ],
        [{ port: 53, endPort: 53, protocol: "TCP" }],
      ]) {
        expectClean(await ctx.pack.analyzeStack(stack(extra(toDnsPods(ports)))));
      }
    });

    it("fails egress to the DNS pods beyond port 53: an endPort range, other ports, every port", async () => {
      await exactly(
        toDnsPods([{ port: 53, endPort: 65535, protocol: "TCP" }]),
        dnsBeyond("port 53 with endPort 65535"),
      );
      await exactly(
        toDnsPods([
          { port: 53, protocol: "UDP" },
          { port: 53, endPort: 54, protocol: "TCP" },
          { port: 9153, protocol: "TCP" },
        ]),
        dnsBeyond("port 53 with endPort 54, port 9153"),
      );
      await exactly(toDnsPods(), dnsBeyond("every port (no `ports`)"));
      await exactly(
        toDnsPods([{ protocol: "UDP" }]),
        dnsBeyond("every port (an entry without `port`)"),
      );
    });

    it("judges a NetworkPolicyPatch like a NetworkPolicy", async () => {
      await opens(
        { podSelector: {}, ingress: [{}] },
        'NetworkPolicyPatch "dev-tenant-acme/extra" (Pulumi resource "acme-extra") opens tenant namespace "dev-tenant-acme"',
        KUBERNETES.NetworkPolicyPatch,
      );
    });
  });

  describe("tenant-namespace-restricted-pod-security: NamespacePatch", () => {
    const POLICY = "tenant-namespace-restricted-pod-security";
    const patch = (labels: Record<string, string>): TestResource => ({
      type: KUBERNETES.NamespacePatch,
      name: "acme-ns-patch",
      props: { metadata: { name: "dev-tenant-acme", labels } },
    });

    it("passes a patch that leaves Pod Security alone", async () => {
      expectClean(await ctx.pack.analyzeStack(stack((rs) => [...rs, patch({ team: "support" })])));
    });

    it("fails a patch that lowers a tenant namespace to privileged", async () => {
      expectViolation(
        await ctx.pack.analyzeStack(
          stack((rs) => [...rs, patch({ "pod-security.kubernetes.io/enforce": "privileged" })]),
        ),
        POLICY,
        'NamespacePatch "dev-tenant-acme" (Pulumi resource "acme-ns-patch") sets pod-security.kubernetes.io/enforce: "privileged"',
      );
    });
  });

  describe(QUOTA, () => {
    it("passes tenants with a ResourceQuota", async () => {
      expectClean(await ctx.pack.analyzeStack(stack((rs) => rs)));
    });

    it("fails a tenant namespace without a quota, or with one that sets no limits", async () => {
      expectViolation(
        await ctx.pack.analyzeStack(stack(without(KUBERNETES.ResourceQuota))),
        QUOTA,
        'Tenant namespace "dev-tenant-acme" has no ResourceQuota',
        'Add a ResourceQuota in "dev-tenant-acme" whose spec.hard caps cpu, memory and pods',
      );
      const empty = (rs: TestResource[]) =>
        rs.map((r) =>
          r.type === KUBERNETES.ResourceQuota ? { ...r, props: { ...r.props, spec: {} } } : r,
        );
      expectViolation(
        await ctx.pack.analyzeStack(stack(empty)),
        QUOTA,
        'ResourceQuota "dev-tenant-acme/quota" (Pulumi resource "acme-quota") sets no spec.hard',
      );
    });
  });

  describe(PSS, () => {
    const relabel = (labels: Record<string, string>) => (rs: TestResource[]) =>
      rs.map((r) => (r.type === KUBERNETES.Namespace ? namespace("dev-tenant-acme", labels) : r));

    it("passes tenant namespaces enforcing restricted", async () => {
      expectClean(await ctx.pack.analyzeStack(stack((rs) => rs)));
    });

    it("fails a tenant namespace enforcing less, or nothing", async () => {
      expectViolation(
        await ctx.pack.analyzeStack(
          stack(
            relabel({
              "agent-cloud.io/tenant": "acme",
              "pod-security.kubernetes.io/enforce": "baseline",
            }),
          ),
        ),
        PSS,
        'Tenant namespace "dev-tenant-acme" enforces "baseline" (label pod-security.kubernetes.io/enforce)',
        'Set metadata.labels["pod-security.kubernetes.io/enforce"] to "restricted"',
      );
      expectViolation(
        await ctx.pack.analyzeStack(stack(relabel({ "agent-cloud.io/tenant": "acme" }))),
        PSS,
        "has no pod-security.kubernetes.io/enforce label",
      );
    });

    it("fails a tenant namespace the stack uses but does not declare", async () => {
      const result = await ctx.pack.analyzeStack([
        ...edge("dev"),
        deployment("sp-initech", "dev-tenant-initech"),
      ]);
      const messages = result.diagnostics.filter((d) => d.policyName === PSS).map((d) => d.message);
      expect(messages.join("\n")).toContain(
        'Tenant namespace "dev-tenant-initech" is used by Deployment "dev-tenant-initech/sp-initech" but no Namespace resource in this stack declares it',
      );
      // Such a namespace also lacks its default-deny and its quota.
      expect(new Set(result.diagnostics.map((d) => d.policyName))).toEqual(
        new Set([PSS, DENY, QUOTA]),
      );
    });
  });
}
