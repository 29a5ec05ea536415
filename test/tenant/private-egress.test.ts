import { describe, expect, it } from "vitest";
import {
  networkPolicyAnnotations,
  privateEgressWarning,
} from "../../components/tenant/private-egress";
import { TenantApp } from "../../components/tenant/tenant-app";
import { runProgram } from "../../testkit/mocks";
import { STANDARD, tenantArgs } from "./fixtures";
import { KUBERNETES } from "../../testkit/type-tokens";

describe("private egress, named loudly", () => {
  it("warns only for a plan that opted in and lists a non-public range", () => {
    const plan = { allowPrivateEgress: true, egressCidrs: ["203.0.113.0/24", "10.30.0.0/24"] };
    expect(privateEgressWarning("acme", "internal", plan)).toBe(
      `PRIVATE EGRESS: tenant "acme" (plan "internal", allowPrivateEgress: true) may reach non-public ranges 10.30.0.0/24 on any port: cluster, VPC or metadata addresses there are open to its code`,
    );
    expect(privateEgressWarning("acme", "p", { ...plan, allowPrivateEgress: false })).toBe(
      undefined,
    );
    expect(
      privateEgressWarning("acme", "p", {
        allowPrivateEgress: true,
        egressCidrs: ["203.0.113.0/24"],
      }),
    ).toBe(undefined);
  });

  it("marks the tenant's NetworkPolicy for the policy pack: opt-in and database networks", () => {
    expect(networkPolicyAnnotations(false, {})).toEqual({});
    expect(networkPolicyAnnotations(true, { cidrs: ["10.30.0.0/24", "10.31.0.0/24"] })).toEqual({
      annotations: {
        "agent-cloud.io/allow-private-egress": "true",
        "agent-cloud.io/database-cidrs": "10.30.0.0/24,10.31.0.0/24",
      },
    });
  });

  it("refuses a private egress CIDR in a TenantApp unless its plan opted in", async () => {
    const plan = { ...STANDARD, egressCidrs: ["10.30.0.0/24"] };
    expect(() => new TenantApp("t", tenantArgs("acme", { plan }))).toThrow(
      /egress CIDR "10.30.0.0\/24": overlaps non-public ranges \(10.0.0.0\/8\); only a plan with allowPrivateEgress: true/,
    );
    const run = await runProgram(
      () => new TenantApp("t", tenantArgs("acme", { plan: { ...plan, allowPrivateEgress: true } })),
    );
    const np = run.ofType(KUBERNETES.NetworkPolicy)[0];
    expect(np?.inputs.metadata.annotations).toEqual({
      "agent-cloud.io/allow-private-egress": "true",
    });
  });
});
