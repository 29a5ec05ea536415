import { describe, expect, it } from "vitest";
import {
  AUTOSCALE_CPU_PERCENT,
  type TenantScaleInput,
  tenantScaleProblems,
} from "../../model/rules/tenant-scale";

const plan = { name: "standard", maxReplicas: 4 };
const autoscale = { min: 1, max: 3, cpuPercent: 70 };

describe("tenantScaleProblems", () => {
  it.each<[string, TenantScaleInput, string[]]>([
    ["fixed replicas within the plan", { replicas: 4, plan }, []],
    ["an autoscale range within the plan", { replicas: 1, autoscale, plan }, []],
    ["any count when the plan is unknown", { replicas: 40, plan: undefined }, []],
    [
      "replicas above the plan",
      { replicas: 5, plan },
      ['replicas 5: plan "standard" allows at most 4 replicas'],
    ],
    ["zero replicas", { replicas: 0, plan }, ["replicas 0: must be a positive integer"]],
    [
      "a fraction of a replica",
      { replicas: 1.5, plan },
      ["replicas 1.5: must be a positive integer"],
    ],
    [
      "replicas and an autoscale max above the plan, each named",
      { replicas: 6, autoscale: { ...autoscale, max: 5 }, plan },
      [
        'replicas 6: plan "standard" allows at most 4 replicas',
        'autoscale.max 5: plan "standard" allows at most 4 replicas',
      ],
    ],
    [
      "a min above the max, even with no plan known",
      { replicas: 1, autoscale: { ...autoscale, min: 5, max: 4 } },
      ["autoscale.min 5: must not exceed autoscale.max (4)"],
    ],
    [
      "a min of zero",
      { replicas: 1, autoscale: { ...autoscale, min: 0 }, plan },
      ["autoscale.min 0: must be 1 or more"],
    ],
    [
      "a max of zero",
      { replicas: 1, autoscale: { ...autoscale, min: 1, max: 0 }, plan },
      ["autoscale.max 0: must be 1 or more"],
    ],
    [
      "a CPU target below the floor",
      { replicas: 1, autoscale: { ...autoscale, cpuPercent: AUTOSCALE_CPU_PERCENT.min - 1 }, plan },
      ["autoscale.cpuPercent 9: must be a whole percent from 10 to 100"],
    ],
    [
      "a CPU target above the ceiling",
      { replicas: 1, autoscale: { ...autoscale, cpuPercent: 101 }, plan },
      ["autoscale.cpuPercent 101: must be a whole percent from 10 to 100"],
    ],
    [
      "a fractional CPU target",
      { replicas: 1, autoscale: { ...autoscale, cpuPercent: 50.5 }, plan },
      ["autoscale.cpuPercent 50.5: must be a whole percent from 10 to 100"],
    ],
  ])("%s", (_name, input, expected) => {
    expect(tenantScaleProblems(input).map((p) => `${p.field} ${p.received}: ${p.message}`)).toEqual(
      expected,
    );
  });
});
