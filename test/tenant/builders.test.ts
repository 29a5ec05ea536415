import { describe, expect, it } from "vitest";
import { checksum, stableJson } from "../../components/tenant/checksum";
import { tenantNamespaceLabels } from "../../components/tenant/labels";
import {
  appProbes,
  preStopSleepSeconds,
  startupBudgetSeconds,
} from "../../components/tenant/probes";
import { compareQuantities, multiplyQuantity, quantityUnits } from "../../model/quantity";
import { podBudget, tenantQuotaSpec } from "../../components/tenant/resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../../components/kubernetes/security";
import { appVolumes, writableVolumeName } from "../../components/tenant/volumes";
import { BUILTIN_PLANS, type Plan } from "../../model/plans";

describe("quantityUnits", () => {
  it.each([
    ["1Gi", 1024 ** 3],
    ["512Mi", 512 * 1024 ** 2],
    ["1.5Ki", 1536],
    ["2", 2],
    ["250m", 0],
    ["1500m", 1],
    ["1G", 10 ** 9],
    ["512M", 512 * 10 ** 6],
    ["1.5k", 1500],
    ["1Pi", 1024 ** 5],
    // Every spelling Kubernetes reads but exponents.
    ["+2", 2],
    [".5Ki", 512],
    ["5.", 5],
    ["2000000000n", 2],
    ["3000000u", 3],
  ])("%s is %i", (quantity, units) => expect(quantityUnits(quantity)).toBe(units));
  it("refuses what is not a quantity", () => {
    expect(() => quantityUnits("1GB")).toThrow(
      '"1GB": must be a Kubernetes quantity like 250m, 2, 512Mi or 1G: a non-negative number with an optional suffix, n, u, m (billionths, millionths, thousandths), k, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei; no exponent such as 1e9',
    );
    // Kubernetes reads exponents; the platform does not, and says what it does read.
    expect(() => quantityUnits("1e9")).toThrow(/"1e9": must be a Kubernetes quantity like/);
    expect(() => quantityUnits("1g")).toThrow(/"1g": must be/);
  });
});

describe("multiplyQuantity", () => {
  const cases: [string, number, string][] = [
    ["250m", 3, "750m"],
    ["250m", 4, "1"],
    ["2", 3, "6"],
    ["1.5", 2, "3"],
    ["0.1", 3, "300m"],
    ["0.5", 3, "1500m"],
    ["512Mi", 3, "1536Mi"],
    ["512Mi", 2, "1Gi"],
    ["1Gi", 3, "3Gi"],
    ["0.5Gi", 3, "1536Mi"],
    ["1Ti", 1024, "1Pi"],
    ["1Ei", 1024, "1024Ei"],
    ["100", 2, "200"],
    ["1Ki", 0, "0"],
    // Decimal memory stays decimal, in the largest suffix that divides it.
    ["1G", 3, "3G"],
    ["500M", 2, "1G"],
    ["1500M", 1, "1500M"],
    ["1.5G", 2, "3G"],
    ["0.5k", 3, "1500"],
    ["1E", 1, "1E"],
    // Billionths and millionths, as metrics report CPU, in whole thousandths.
    ["500000u", 2, "1"],
    ["250000000n", 1, "250m"],
    [".5", 3, "1500m"],
  ];
  for (const [q, n, out] of cases) {
    it(`${q} × ${n} = ${out}`, () => expect(multiplyQuantity(q, n)).toBe(out));
  }
  it("refuses what is not a quantity or a whole factor", () => {
    expect(() => multiplyQuantity("1GB", 2)).toThrow(/"1GB": must be a Kubernetes quantity/);
    expect(() => multiplyQuantity("1", 1.5)).toThrow(/factor 1.5/);
    expect(() => multiplyQuantity("0.0001", 1)).toThrow(/finer than a thousandth/);
    expect(() => multiplyQuantity("1500n", 1)).toThrow(/"1500n": finer than a thousandth/);
  });
  it("compares across notations", () => {
    expect(compareQuantities("500m", "1")).toBeLessThan(0);
    expect(compareQuantities("1024Mi", "1Gi")).toBe(0);
    expect(compareQuantities("2Gi", "1536Mi")).toBeGreaterThan(0);
    expect(compareQuantities("1G", "1Gi")).toBeLessThan(0);
    expect(compareQuantities("1000M", "1G")).toBe(0);
    expect(compareQuantities("1k", "1000")).toBe(0);
  });
});

describe("tenantQuotaSpec", () => {
  const table: [string, number, Record<string, string>][] = [
    [
      "starter",
      1,
      {
        pods: "3",
        "requests.cpu": "300m",
        "requests.memory": "768Mi",
        "limits.cpu": "3",
        "limits.memory": "3Gi",
      },
    ],
    [
      "standard",
      4,
      {
        pods: "6",
        "requests.cpu": "1500m",
        "requests.memory": "3Gi",
        "limits.cpu": "12",
        "limits.memory": "12Gi",
      },
    ],
    [
      "pro",
      10,
      {
        pods: "12",
        "requests.cpu": "6",
        "requests.memory": "12Gi",
        "limits.cpu": "48",
        "limits.memory": "48Gi",
      },
    ],
  ];
  for (const [plan, replicas, hard] of table) {
    it(`${plan} × ${replicas} replicas leaves room for one surge pod and one draining pod`, () => {
      expect(podBudget(replicas)).toBe(replicas + 2);
      expect(tenantQuotaSpec(BUILTIN_PLANS[plan] as Plan, replicas).hard).toEqual({
        ...hard,
        "services.loadbalancers": "0",
        "services.nodeports": "0",
      });
    });
  }
});

describe("appProbes", () => {
  const input = {
    portName: "http",
    healthPath: "/api/v1/health",
    startupPeriodSeconds: 5,
    startupFailureThreshold: 120,
  };
  it("probes liveness and startup on the health path and readiness on its own path", () => {
    const p = appProbes({ ...input, readinessPath: "/ready" });
    expect(p.startupProbe).toEqual({
      httpGet: { path: "/api/v1/health", port: "http", scheme: "HTTP" },
      periodSeconds: 5,
      failureThreshold: 120,
      timeoutSeconds: 3,
    });
    expect(p.readinessProbe).toEqual({
      httpGet: { path: "/ready", port: "http", scheme: "HTTP" },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(p.livenessProbe).toEqual({
      httpGet: { path: "/api/v1/health", port: "http", scheme: "HTTP" },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    });
    expect(startupBudgetSeconds(input)).toBe(600);
  });
  it("falls back to the health path for readiness and refuses relative paths", () => {
    expect(appProbes(input).readinessProbe.httpGet).toMatchObject({ path: "/api/v1/health" });
    expect(() => appProbes({ ...input, healthPath: "health" })).toThrow(/must start with "\/"/);
  });
  const sleeps: [number, number][] = [
    [5, 2],
    [20, 10],
    [60, 10],
    [3600, 10],
  ];
  for (const [grace, sleep] of sleeps) {
    it(`sleeps ${sleep}s before SIGTERM with a ${grace}s grace period`, () => {
      expect(preStopSleepSeconds(grace)).toBe(sleep);
    });
  }
  it("refuses a grace period with no room to drain", () => {
    expect(() => preStopSleepSeconds(1)).toThrow(/at least 2/);
  });
});

describe("security contexts", () => {
  it("are restricted for any non-root uid and refuse root", () => {
    expect(restrictedPodSecurityContext(999)).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(restrictedContainerSecurityContext(1000)).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(() => restrictedPodSecurityContext(0)).toThrow(/0 is root/);
    expect(() => restrictedContainerSecurityContext(1000, 0)).toThrow(/gid 0/);
  });
});

describe("appVolumes", () => {
  const names: [string, string][] = [
    ["/tmp", "writable-tmp"],
    ["/app/.systemprompt", "writable-app-systemprompt"],
    ["/var/cache/Agent_Data", "writable-var-cache-agent-data"],
  ];
  for (const [path, name] of names) {
    it(`names ${path} ${name}`, () => expect(writableVolumeName(path)).toBe(name));
  }
  it("is independent of the order paths are listed in", () => {
    const a = appVolumes({
      secretName: "c",
      writablePaths: ["/tmp", "/data"],
      writableSizeLimit: "1Gi",
    });
    const b = appVolumes({
      secretName: "c",
      writablePaths: ["/data", "/tmp", "/tmp"],
      writableSizeLimit: "1Gi",
    });
    expect(b).toEqual(a);
    // Only the config key of the Secret becomes a file: no credential lands on disk.
    expect(a.volumes[0]).toEqual({
      name: "agent-config",
      secret: { secretName: "c", items: [{ key: "agent.json", path: "agent.json" }] },
    });
    expect(a.mounts[0]).toEqual({
      name: "agent-config",
      mountPath: "/etc/agent-cloud",
      readOnly: true,
    });
  });
  const bad: [string[], RegExp][] = [
    [["/"], /must be an absolute path below/],
    [["tmp"], /must be an absolute path/],
    [["/a/../etc"], /without ".."/],
    [["/etc/agent-cloud/x"], /read-only agent config/],
    [["/a-b", "/a_b"], /map to the same volume name "writable-a-b"/],
  ];
  for (const [paths, error] of bad) {
    it(`refuses ${JSON.stringify(paths)}`, () => {
      expect(() =>
        appVolumes({ secretName: "c", writablePaths: paths, writableSizeLimit: "1Gi" }),
      ).toThrow(error);
    });
  }
});

describe("labels and checksums", () => {
  it("label the namespace by tenant, environment, plan and each group", () => {
    expect(
      tenantNamespaceLabels({ environment: "dev", tenantId: "a", planName: "pro", groups: ["x"] }),
    ).toMatchObject({
      "agent-cloud.io/tenant": "a",
      "agent-cloud.io/environment": "dev",
      "agent-cloud.io/plan": "pro",
      "agent-cloud.io/group.x": "true",
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });
  it("hash content, not key order", () => {
    expect(stableJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe(
      stableJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }),
    );
    expect(checksum({ a: 1 })).not.toBe(checksum({ a: 2 }));
  });
});
