import { describe, expect, it } from "vitest";
import { OpsError, UsageError } from "../../ops/errors";
import { checkGroups, groupTargets, knownGroups } from "../../ops/plans/groups";
import { parseUrn } from "../../ops/plans/urn";
import { devResources, URN } from "./support/fixtures";
import { AGENT_CLOUD, KUBERNETES, PULUMI } from "../../testkit/type-tokens";

const tenants = [
  { id: "acme", groups: ["beta"] },
  { id: "big-acme", groups: ["stable"] },
  { id: "globex", groups: ["stable", "eu"] },
];
const PROXY = [URN.proxy, URN.proxyRoutes, URN.proxyDeployment];

describe("parseUrn", () => {
  it.each([
    [
      URN.acmeDeployment,
      {
        stack: "dev",
        project: "agent-cloud",
        type: KUBERNETES.Deployment,
        typeChain: [AGENT_CLOUD.Platform, AGENT_CLOUD.TenantApp, KUBERNETES.Deployment],
        name: "dev-tenant-acme-deployment",
      },
    ],
    [
      "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod",
      {
        stack: "prod",
        project: "p",
        type: PULUMI.Stack,
        typeChain: [PULUMI.Stack],
        name: "p-prod",
      },
    ],
    [
      "urn:pulumi:dev::p::t::a::b",
      { stack: "dev", project: "p", type: "t", typeChain: ["t"], name: "a::b" },
    ],
  ])("parses %s", (urn, parsed) => {
    expect(parseUrn(urn)).toEqual(parsed);
  });

  it.each(["", "not-a-urn", "urn:other:dev::p::t::n", "urn:pulumi:dev::p"])("rejects %j", (urn) => {
    expect(parseUrn(urn)).toBeUndefined();
  });
});

describe("knownGroups / checkGroups", () => {
  it("lists every group once, sorted", () => {
    expect(knownGroups(tenants)).toEqual(["beta", "eu", "stable"]);
  });

  it("accepts known groups", () => {
    expect(() => checkGroups(["beta", "eu"], tenants, "dev", "Pulumi.dev.yaml")).not.toThrow();
  });

  it("names the groups that exist when one is unknown", () => {
    expect(() => checkGroups(["beta", "canary"], tenants, "dev", "Pulumi.dev.yaml")).toThrow(
      new UsageError('unknown group "canary"; groups of stack "dev": beta, eu, stable'),
    );
  });

  it("says how to label tenants when none has a group", () => {
    expect(() =>
      checkGroups(["beta"], [{ id: "a", groups: [] }], "dev", "Pulumi.dev.yaml"),
    ).toThrow(
      new UsageError(
        'unknown group "beta": no tenant of stack "dev" has groups; label tenants with groups: [...] in Pulumi.dev.yaml',
      ),
    );
  });
});

describe("groupTargets", () => {
  it.each([
    {
      groups: ["beta"],
      tenantIds: ["acme"],
      // dev-tenant-big-acme ends in "-acme" but belongs to big-acme; its children are not acme's.
      urns: [...PROXY, URN.acme, URN.acmeNamespace, URN.acmeDeployment],
    },
    {
      groups: ["stable"],
      tenantIds: ["big-acme", "globex"],
      urns: [...PROXY, URN.bigAcme, URN.bigAcmeDeployment, URN.globex, URN.globexDeployment],
    },
    {
      groups: ["eu"],
      tenantIds: ["globex"],
      urns: [...PROXY, URN.globex, URN.globexDeployment],
    },
    {
      groups: ["beta", "eu"],
      tenantIds: ["acme", "globex"],
      urns: [
        ...PROXY,
        URN.acme,
        URN.acmeNamespace,
        URN.acmeDeployment,
        URN.globex,
        URN.globexDeployment,
      ],
    },
  ])(
    "group $groups → tenants $tenantIds, their resources and the proxy",
    ({ groups, tenantIds, urns }) => {
      const result = groupTargets(groups, tenants, devResources(), "dev");
      expect(result.tenantIds).toEqual(tenantIds);
      expect([...result.targets].sort()).toEqual([...urns].sort());
      expect(result.targets).not.toContain(URN.database);
      expect(result.targets).not.toContain(URN.platform);
      expect(result.targets).not.toContain(URN.edgeTls);
    },
  );

  it("matches children by name when the state has no parents", () => {
    const flat = devResources().map(({ urn }) => ({ urn }));
    const result = groupTargets(["beta"], tenants, flat, "dev");
    expect([...result.targets].sort()).toEqual(
      [...PROXY, URN.acme, URN.acmeNamespace, URN.acmeDeployment].sort(),
    );
  });

  it("uses parents over names: a child of acme named like another tenant's component stays acme's", () => {
    const prefix =
      "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$agent-cloud:tenant:TenantApp";
    const resources = [
      { urn: URN.proxy },
      { urn: `${prefix}::dev-tenant-acme` },
      {
        urn: `${prefix}$kubernetes:apps/v1:Deployment::dev-tenant-acme-app`,
        parent: `${prefix}::dev-tenant-acme`,
      },
      { urn: `${prefix}::dev-tenant-acme-app` },
      {
        urn: `${prefix}$kubernetes:apps/v1:Deployment::dev-tenant-acme-app-app`,
        parent: `${prefix}::dev-tenant-acme-app`,
      },
    ];
    const pair = [
      { id: "acme", groups: ["one"] },
      { id: "acme-app", groups: ["two"] },
    ];
    expect(groupTargets(["one"], pair, resources, "dev").targets).toEqual([
      URN.proxy,
      `${prefix}::dev-tenant-acme`,
      `${prefix}$kubernetes:apps/v1:Deployment::dev-tenant-acme-app`,
    ]);
    expect(groupTargets(["two"], pair, resources, "dev").targets).toEqual([
      URN.proxy,
      `${prefix}::dev-tenant-acme-app`,
      `${prefix}$kubernetes:apps/v1:Deployment::dev-tenant-acme-app-app`,
    ]);
  });

  describe("a tenant whose id ends with another's component name: acme and tenant-acme", () => {
    const prefix =
      "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$agent-cloud:tenant:TenantApp";
    const acme = `${prefix}::dev-tenant-acme`;
    const tenantAcme = `${prefix}::dev-tenant-tenant-acme`;
    const acmeDeployment = `${prefix}$kubernetes:apps/v1:Deployment::dev-tenant-acme-deployment`;
    const acmeSecret = `${prefix}$kubernetes:core/v1:Secret::dev-tenant-acme-secret`;
    const tenantAcmeDeployment = `${prefix}$kubernetes:apps/v1:Deployment::dev-tenant-tenant-acme-deployment`;
    const resources = [
      { urn: URN.proxy },
      { urn: acme },
      { urn: acmeDeployment, parent: acme },
      { urn: acmeSecret, parent: acme },
      { urn: tenantAcme },
      { urn: tenantAcmeDeployment, parent: tenantAcme },
    ];
    const pair = [
      { id: "acme", groups: ["stable"] },
      { id: "tenant-acme", groups: ["canary"] },
    ];

    it.each([
      // dev-tenant-acme ends with "-tenant-acme" but is acme's component, not tenant-acme's.
      { groups: ["canary"], tenantIds: ["tenant-acme"], urns: [tenantAcme, tenantAcmeDeployment] },
      { groups: ["stable"], tenantIds: ["acme"], urns: [acme, acmeDeployment, acmeSecret] },
    ])("group $groups → exactly $tenantIds's resources", ({ groups, tenantIds, urns }) => {
      expect(groupTargets(groups, pair, resources, "dev")).toEqual({
        tenantIds,
        targets: [URN.proxy, ...urns],
      });
    });
  });

  it("refuses a group whose tenant has nothing in state yet", () => {
    const withNew = [...tenants, { id: "initech", groups: ["beta"] }];
    expect(() => groupTargets(["beta"], withNew, devResources(), "dev")).toThrow(
      new OpsError(
        'tenant "initech" of group beta has no resources in stack "dev" yet, and a targeted deploy cannot create them; deploy the whole stack once (without --group) to create new tenants',
      ),
    );
  });

  it("refuses when the proxy is not in state", () => {
    const noProxy = devResources().filter((r) => !PROXY.includes(r.urn as (typeof PROXY)[number]));
    expect(() => groupTargets(["beta"], tenants, noProxy, "dev")).toThrow(
      new OpsError(
        'stack "dev" has no proxy (agent-cloud:edge:ManagementProxy) in its state, so the route table cannot be updated with the group; deploy the whole stack once (without --group)',
      ),
    );
  });
});
