import { describe, expect, it } from "vitest";
import { BUILTIN_PLANS } from "../../model/plans";
import { type PlanResourceProblem, planResourceProblems } from "../../model/rules/plan-resources";
import { QUANTITY_ALLOWED } from "../../model/quantity";

const fits = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };

describe("planResourceProblems", () => {
  it.each(Object.entries(BUILTIN_PLANS))("built-in plan %s has none", (_name, plan) => {
    expect(planResourceProblems(plan)).toEqual([]);
  });

  it.each<[string, typeof fits, PlanResourceProblem[]]>([
    ["requests below limits", fits, []],
    [
      "requests equal to limits, in other notations",
      { requests: { cpu: "1000m", memory: "1024Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      [],
    ],
    [
      "a cpu request above its limit",
      { ...fits, requests: { cpu: "1.5", memory: "256Mi" } },
      [
        {
          kind: "above-limit",
          field: "requests.cpu",
          received: "1.5",
          limitField: "limits.cpu",
          limit: "1",
        },
      ],
    ],
    [
      "a memory request above its limit by one Mi",
      { ...fits, requests: { cpu: "250m", memory: "1025Mi" } },
      [
        {
          kind: "above-limit",
          field: "requests.memory",
          received: "1025Mi",
          limitField: "limits.memory",
          limit: "1Gi",
        },
      ],
    ],
    [
      "a limit that is not a quantity: no comparison for that resource",
      { ...fits, limits: { cpu: "1", memory: "1GB" } },
      [
        {
          kind: "quantity",
          field: "limits.memory",
          received: "1GB",
          message: QUANTITY_ALLOWED,
        },
      ],
    ],
    [
      "a request finer than a thousandth",
      { ...fits, requests: { cpu: "0.0001", memory: "256Mi" } },
      [
        {
          kind: "quantity",
          field: "requests.cpu",
          received: "0.0001",
          message: "finer than a thousandth of a unit; the smallest step is 1m (0.001)",
        },
      ],
    ],
  ])("%s", (_name, plan, expected) => {
    expect(planResourceProblems(plan)).toEqual(expected);
  });
});
