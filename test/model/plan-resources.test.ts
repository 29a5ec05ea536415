import { describe, expect, it } from "vitest";
import { BUILTIN_PLANS } from "../../model/plans";
import {
  type PlanResource,
  type PlanResourceProblem,
  planResourceProblems,
  zeroLimitReason,
} from "../../model/rules/plan-resources";
import { QUANTITY_ALLOWED } from "../../model/quantity";

const fits = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const ZERO_CPU =
  "must be greater than 0, such as 500m or 2: Kubernetes takes a limit of 0 as no limit, so the container could use every CPU of its node";
const ZERO_MEMORY =
  "must be greater than 0, such as 512Mi or 1Gi: Kubernetes takes a limit of 0 as no limit, so the container could use all of its node's memory";

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
    [
      "zero limits and zero requests: the limits, which Kubernetes reads as none",
      { requests: { cpu: "0", memory: "0" }, limits: { cpu: "0", memory: "0" } },
      [
        { kind: "zero-limit", field: "limits.cpu", received: "0", message: ZERO_CPU },
        { kind: "zero-limit", field: "limits.memory", received: "0", message: ZERO_MEMORY },
      ],
    ],
    [
      "a zero limit with a suffix, under a request: no comparison with it",
      { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "0m", memory: "1Gi" } },
      [{ kind: "zero-limit", field: "limits.cpu", received: "0m", message: ZERO_CPU }],
    ],
    ["zero requests under limits", { ...fits, requests: { cpu: "0", memory: "0Mi" } }, []],
    [
      "the smallest limits above zero",
      { requests: { cpu: "0", memory: "0" }, limits: { cpu: "1m", memory: "1" } },
      [],
    ],
  ])("%s", (_name, plan, expected) => {
    expect(planResourceProblems(plan)).toEqual(expected);
  });
});

describe("zeroLimitReason", () => {
  it.each<[PlanResource, string, string | undefined]>([
    ["cpu", "0", ZERO_CPU],
    ["cpu", "0m", ZERO_CPU],
    ["cpu", "0.000", ZERO_CPU],
    ["cpu", "+0", ZERO_CPU],
    ["cpu", "0n", ZERO_CPU],
    ["memory", "0", ZERO_MEMORY],
    ["memory", "0Gi", ZERO_MEMORY],
    ["memory", "0M", ZERO_MEMORY],
    ["cpu", "1m", undefined],
    ["cpu", "0.001", undefined],
    ["memory", "1", undefined],
    ["memory", "1Ki", undefined],
    // Not a quantity one can compute with: quantityReason says why.
    ["cpu", "none", undefined],
    ["cpu", "0.0001", undefined],
  ])("%s limit %j → %j", (resource, limit, reason) => {
    expect(zeroLimitReason(resource, limit)).toBe(reason);
  });
});
