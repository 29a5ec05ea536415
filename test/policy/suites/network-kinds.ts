/**
 * Network policies the pack cannot judge (stack rule tenant-network-policies-kubernetes-only):
 * the network plugins' and the AdminNetworkPolicy API's kinds, refused where they reach tenants,
 * in both token forms Pulumi gives a CRD instance, through the real analyzer.
 */
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { unknown, urnOf, type PackContext, type TestResource } from "../analyzer";
import { edge, expectClean, namespace, tenant } from "../fixtures";
import { runProgram } from "../../../testkit/mocks";
import { KUBERNETES } from "../../../testkit/type-tokens";

/** Registers the suite; `ctx.pack` is the running pack (set in beforeAll). */
export function networkKindsSuite(ctx: PackContext): void {
  const RULE = "tenant-network-policies-kubernetes-only";
  const DESCRIPTION =
    "Tenant namespaces are isolated by Kubernetes NetworkPolicies alone: no Cilium, Calico or " +
    "Antrea network policy in a tenant namespace and no cluster-wide network policy (Cilium, " +
    "Calico, Antrea, AdminNetworkPolicy API), which the pack cannot judge.";
  const CANNOT_JUDGE =
    "the pack judges only Kubernetes NetworkPolicies, so it cannot judge this one against tenant " +
    "isolation";

  /** The edge and two compliant tenants, plus `extra`. */
  const stack = (...extra: TestResource[]) => [
    ...edge("dev"),
    ...tenant("dev", "acme"),
    ...tenant("dev", "globex"),
    ...extra,
  ];

  /** How Pulumi registers a CRD instance: by its kind (what the SDKs do) or the generic token. */
  type Form = "kind token" | "generic CustomResource";
  const FORMS: readonly Form[] = ["kind token", "generic CustomResource"];

  /** An allow-all policy object named "open" (Pulumi name "open-policy"). */
  function policy(form: Form, apiVersion: string, kind: string, ns?: unknown): TestResource {
    return {
      type: form === "kind token" ? `kubernetes:${apiVersion}:${kind}` : KUBERNETES.CustomResource,
      name: "open-policy",
      props: {
        apiVersion,
        kind,
        metadata: { name: "open", ...(ns === undefined ? {} : { namespace: ns }) },
        spec: { ingress: [{ action: "Allow" }], egress: [{ action: "Allow" }] },
      },
    };
  }

  /** The whole message for a namespaced policy `what` in tenant namespace `ns`. */
  const inTenant = (what: string, is: string, ns = "dev-tenant-acme") =>
    `${DESCRIPTION}\n${what} ${is} in tenant namespace "${ns}". The cluster enforces it beside ` +
    "the namespace's NetworkPolicies, so what it allows gets through whatever they deny, but " +
    `${CANNOT_JUDGE}. Express it as a Kubernetes NetworkPolicy (networking.k8s.io/v1) in "${ns}", ` +
    "which the pack judges, or keep it out of tenant namespaces.";

  /** The whole message for a cluster-wide policy `what`. */
  const clusterWide = (what: string, is: string) =>
    `${DESCRIPTION}\n${what} ${is}: it is cluster-wide, so it can select any namespace, every ` +
    "tenant's included (this stack's or another's), and the cluster enforces it beside their " +
    `NetworkPolicies; ${CANNOT_JUDGE}. Express it as Kubernetes NetworkPolicies ` +
    "(networking.k8s.io/v1) in the namespaces it is meant for, which the pack judges in tenant " +
    "namespaces, or remove it: a cluster-wide policy cannot be kept out of tenant namespaces.";

  /** Asserts that exactly these [message, resource] findings were reported, on their URNs. */
  function expectFindings(
    result: Awaited<ReturnType<PackContext["pack"]["analyzeStack"]>>,
    ...findings: [string, TestResource][]
  ) {
    expect(result.diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.message])).toEqual(
      findings.map(([message]) => [RULE, "mandatory", message]),
    );
    expect(result.diagnostics.map((d) => d.urn)).toEqual(findings.map(([, r]) => urnOf(r)));
  }

  /** The kind as a message names it: the kind token's kind, or CustomResource. */
  const named = (form: Form, kind: string, where: string) =>
    `${form === "kind token" ? kind : "CustomResource"} "${where}" (Pulumi resource "open-policy")`;

  const NAMESPACED: [string, string, string][] = [
    ["cilium.io/v2", "CiliumNetworkPolicy", "a Cilium network policy"],
    ["crd.projectcalico.org/v1", "NetworkPolicy", "a Calico network policy"],
    ["projectcalico.org/v3", "NetworkPolicy", "a Calico network policy"],
    ["crd.antrea.io/v1beta1", "NetworkPolicy", "an Antrea network policy"],
  ];
  const CLUSTER_WIDE: [string, string, string][] = [
    ["cilium.io/v2", "CiliumClusterwideNetworkPolicy", "a Cilium cluster-wide network policy"],
    ["crd.projectcalico.org/v1", "GlobalNetworkPolicy", "a Calico global network policy"],
    ["projectcalico.org/v3", "GlobalNetworkPolicy", "a Calico global network policy"],
    ["crd.antrea.io/v1beta1", "ClusterNetworkPolicy", "an Antrea cluster network policy"],
    ["policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "an admin network policy"],
    [
      "policy.networking.k8s.io/v1alpha1",
      "BaselineAdminNetworkPolicy",
      "a baseline admin network policy",
    ],
    ["policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy", "a cluster network policy"],
  ];
  const each = <T extends unknown[]>(rows: T[]) =>
    rows.flatMap((row) => FORMS.map((form) => [form, ...row] as [Form, ...T]));

  describe(RULE, () => {
    it("passes network-plugin policies outside tenant namespaces (the edge's, the database's), in both forms", async () => {
      expectClean(
        await ctx.pack.analyzeStack(
          stack(
            ...NAMESPACED.flatMap(([apiVersion, kind], i) =>
              FORMS.map((form, j) => ({
                ...policy(form, apiVersion, kind, i % 2 === 0 ? "dev-edge" : "dev-database"),
                name: `edge-${i}-${j}`,
              })),
            ),
          ),
        ),
      );
    });

    it.each(each(NAMESPACED))(
      "fails a policy in a tenant namespace, as a %s: %s %s",
      async (form, apiVersion, kind, label) => {
        const open = policy(form, apiVersion, kind, "dev-tenant-acme");
        expectFindings(await ctx.pack.analyzeStack(stack(open)), [
          inTenant(
            named(form, kind, "dev-tenant-acme/open"),
            `is ${label} (${apiVersion} ${kind})`,
          ),
          open,
        ]);
      },
    );

    it.each(each(CLUSTER_WIDE))(
      "fails a cluster-wide policy, as a %s: %s %s",
      async (form, apiVersion, kind, label) => {
        const open = policy(form, apiVersion, kind);
        const message = clusterWide(
          named(form, kind, "open"),
          `is ${label} (${apiVersion} ${kind})`,
        );
        expectFindings(await ctx.pack.analyzeStack(stack(open)), [message, open]);
        // A stack without tenants too: its selectors reach other stacks' tenants (shards).
        expectFindings(await ctx.pack.analyzeStack([...edge("dev"), open]), [message, open]);
      },
    );

    it("fails a patch of one, in both forms", async () => {
      const cilium: TestResource = {
        ...policy("kind token", "cilium.io/v2", "CiliumNetworkPolicy", "dev-tenant-acme"),
        type: "kubernetes:cilium.io/v2:CiliumNetworkPolicyPatch",
      };
      const anp: TestResource = {
        ...policy(
          "generic CustomResource",
          "policy.networking.k8s.io/v1alpha1",
          "AdminNetworkPolicy",
        ),
        type: KUBERNETES.CustomResourcePatch,
      };
      expectFindings(
        await ctx.pack.analyzeStack(stack(cilium, anp)),
        [
          inTenant(
            'CiliumNetworkPolicyPatch "dev-tenant-acme/open" (Pulumi resource "open-policy")',
            "patches a Cilium network policy (cilium.io/v2 CiliumNetworkPolicy)",
          ),
          cilium,
        ],
        [
          clusterWide(
            'CustomResourcePatch "open" (Pulumi resource "open-policy")',
            "patches an admin network policy (policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy)",
          ),
          anp,
        ],
      );
    });

    it("fails one in a namespace declared as a tenant's by its label alone", async () => {
      const sandbox = "sandbox";
      const declared: TestResource[] = [
        namespace(sandbox, {
          "agent-cloud.io/tenant": "sandbox",
          "pod-security.kubernetes.io/enforce": "restricted",
        }),
        ...tenant("dev", "sandbox")
          .filter((r) => ["sandbox-default-deny", "sandbox-quota"].includes(r.name))
          .map((r) => ({
            ...r,
            props: {
              ...r.props,
              metadata: { ...(r.props.metadata as object), namespace: sandbox },
            },
          })),
      ];
      expectClean(await ctx.pack.analyzeStack(stack(...declared)));
      const open = policy("kind token", "cilium.io/v2", "CiliumNetworkPolicy", sandbox);
      expectFindings(await ctx.pack.analyzeStack(stack(...declared, open)), [
        inTenant(
          'CiliumNetworkPolicy "sandbox/open" (Pulumi resource "open-policy")',
          "is a Cilium network policy (cilium.io/v2 CiliumNetworkPolicy)",
          sandbox,
        ),
        open,
      ]);
    });

    it("fails them as @pulumi/kubernetes registers them (apiextensions.CustomResource and CustomResourcePatch)", async () => {
      const run = await runProgram(() => {
        new k8s.apiextensions.CustomResource("acme-cilium", {
          apiVersion: "cilium.io/v2",
          kind: "CiliumNetworkPolicy",
          metadata: { name: "open", namespace: "dev-tenant-acme" },
          spec: { endpointSelector: {}, ingress: [{ fromEntities: ["all"] }] },
        });
        new k8s.apiextensions.CustomResourcePatch("tenants-anp", {
          apiVersion: "policy.networking.k8s.io/v1alpha1",
          kind: "AdminNetworkPolicy",
          metadata: { name: "open" },
        });
      });
      // The tokens are the kinds', so the pack sees what the cluster gets.
      const asPolicySees = (type: string, name: string): TestResource => ({
        type,
        name,
        props: run.get(type, name).inputs,
      });
      const cilium = asPolicySees("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "acme-cilium");
      const anp = asPolicySees(
        "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicyPatch",
        "tenants-anp",
      );
      expect(run.resources.length).toBe(2);
      expectFindings(
        await ctx.pack.analyzeStack(stack(cilium, anp)),
        [
          inTenant(
            'CiliumNetworkPolicy "dev-tenant-acme/open" (Pulumi resource "acme-cilium")',
            "is a Cilium network policy (cilium.io/v2 CiliumNetworkPolicy)",
          ),
          cilium,
        ],
        [
          clusterWide(
            'AdminNetworkPolicyPatch "open" (Pulumi resource "tenants-anp")',
            "patches an admin network policy (policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy)",
          ),
          anp,
        ],
      );
    });

    it("waits for a namespace or a kind a preview does not know yet", async () => {
      const somewhere = policy("kind token", "cilium.io/v2", "CiliumNetworkPolicy", unknown);
      const anyKind: TestResource = {
        ...policy("generic CustomResource", "cilium.io/v2", "CiliumClusterwideNetworkPolicy"),
        name: "any-kind",
        props: { apiVersion: "cilium.io/v2", kind: unknown, metadata: { name: "open" } },
      };
      expectClean(await ctx.pack.analyzeStack(stack(somewhere, anyKind)));
    });
  });
}
