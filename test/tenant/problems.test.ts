/**
 * The checks TenantApp gathers before anything is registered: each returns every problem it
 * finds (the builders throw the same text), so one ComponentArgsError can list them all.
 */
import { describe, expect, it } from "vitest";
import { apiKeyRotationProblems } from "../../components/tenant/api-key";
import { networkPolicyProblems } from "../../components/tenant/network-policy";
import { gracePeriodProblems, probePathProblems } from "../../components/tenant/probes";
import { planResourceProblems } from "../../components/tenant/resources";
import { writablePathProblems } from "../../model/rules/writable-paths";
import { BUILTIN_PLANS, type Plan } from "../../model/plans";
import { QUANTITY_ALLOWED } from "../../model/quantity";

const STANDARD = BUILTIN_PLANS.standard as Plan;

describe("apiKeyRotationProblems", () => {
  it.each<
    [string, { generation?: number; acceptPrevious?: boolean } | undefined, boolean, string[]]
  >([
    ["no rotation", undefined, false, []],
    ["generation 2 with the seed", { generation: 2, acceptPrevious: true }, true, []],
    [
      "a negative generation",
      { generation: -1 },
      true,
      ['tenant "acme" apiKey.generation -1: must be a whole number, 0 or more'],
    ],
    [
      "a previous key of generation 0",
      { acceptPrevious: true },
      true,
      ['tenant "acme" apiKey.acceptPrevious: generation 0 has no previous key'],
    ],
    [
      "a derived key without the seed",
      { generation: 1 },
      false,
      [`tenant "acme" apiKey.generation 1: derived keys need the environment's seed`],
    ],
  ])("%s", (_name, rotation, hasSeed, expected) => {
    expect(apiKeyRotationProblems("acme", rotation, hasSeed)).toEqual(expected);
  });
});

describe("probe and grace period problems", () => {
  it("names each path that is not absolute", () => {
    expect(probePathProblems({ healthPath: "health", readinessPath: "ready" })).toEqual([
      'probe path "health": must start with "/"',
      'probe path "ready": must start with "/"',
    ]);
    expect(probePathProblems({ healthPath: "/health" })).toEqual([]);
  });
  it.each<[number, number]>([
    [1, 1],
    [2.5, 1],
    [2, 0],
    [60, 0],
  ])("grace period %s: %s problems", (seconds, count) => {
    expect(gracePeriodProblems(seconds)).toHaveLength(count);
  });
});

describe("writablePathProblems", () => {
  it("lists every bad path and every name collision", () => {
    expect(writablePathProblems(["/tmp", "tmp", "/etc/agent-cloud", "/a-b", "/a_b"])).toEqual([
      'writablePaths "/a-b" and "/a_b" map to the same volume name "writable-a-b"; rename one',
      'writable path "/etc/agent-cloud": /etc/agent-cloud holds the read-only agent config',
      'writable path "tmp": must be an absolute path below "/" without ".."',
    ]);
    expect(writablePathProblems(["/tmp", "/app/.cache", "/tmp"])).toEqual([]);
  });
});

describe("networkPolicyProblems", () => {
  it("lists every bad CIDR and port at once", () => {
    expect(
      networkPolicyProblems({
        appPort: 0,
        proxyNamespace: "dev-edge",
        database: { cidrs: ["db.internal"], port: 5432 },
        egressPorts: [443, 70000],
        egressCidrs: ["10.0.0.0/8", "300.0.0.0/8"],
      }),
    ).toEqual([
      'egress CIDR "300.0.0.0/8": must be an IPv4 CIDR such as 203.0.113.0/24',
      'egress CIDR "db.internal": must be an IPv4 CIDR such as 203.0.113.0/24',
      'egress CIDR "10.0.0.0/8": overlaps non-public ranges (10.0.0.0/8); only a plan with allowPrivateEgress: true may reach them',
      "port 0: must be an integer from 1 to 65535",
      "port 70000: must be an integer from 1 to 65535",
    ]);
  });
});

describe("planResourceProblems", () => {
  it.each<[string, Plan, string[]]>([
    ["a built-in plan", STANDARD, []],
    [
      "requests above limits",
      { ...STANDARD, requests: { cpu: "3", memory: "4Gi" } },
      [
        'plan "p" requests.cpu 3 exceeds limits.cpu 2',
        'plan "p" requests.memory 4Gi exceeds limits.memory 2Gi',
      ],
    ],
    [
      "a quantity that is not one",
      { ...STANDARD, limits: { cpu: "2", memory: "1GB" } },
      [`plan "p" limits.memory: quantity "1GB": ${QUANTITY_ALLOWED}`],
    ],
    [
      "zero limits, which Kubernetes reads as none",
      { ...STANDARD, requests: { cpu: "0", memory: "0" }, limits: { cpu: "0", memory: "0Gi" } },
      [
        `plan "p" limits.cpu "0": must be greater than 0, such as 500m or 2: Kubernetes takes a limit of 0 as no limit, so the container could use every CPU of its node`,
        `plan "p" limits.memory "0Gi": must be greater than 0, such as 512Mi or 1Gi: Kubernetes takes a limit of 0 as no limit, so the container could use all of its node's memory`,
      ],
    ],
  ])("%s", (_name, plan, expected) => {
    expect(planResourceProblems("p", plan)).toEqual(expected);
  });
});
