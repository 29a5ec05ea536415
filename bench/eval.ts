/**
 * Program evaluation under mocks: the Platform with n tenants against the same number of bare
 * resources, each run in a fresh process, alternating so that both sides see the same machine.
 */
import { runChild } from "./child";
import type { EvalResult } from "./eval-child";
import { median } from "./stats";
import type { ProfileShares } from "./profile";
import type { ResourcesResult } from "./resources-child";

/** Tenant counts, and how many platform/bare pairs to run for each (the median is reported). */
export const EVAL_SIZES = [
  { tenants: 10, pairs: 3 },
  { tenants: 100, pairs: 3 },
  { tenants: 1000, pairs: 1 },
] as const;
/** The tenant count whose run is profiled to show where the time goes. */
export const PROFILE_TENANTS = 100;

export interface EvalSize {
  readonly tenants: number;
  readonly resources: number;
  readonly pairs: readonly {
    readonly platform: EvalResult;
    readonly bare: EvalResult;
    readonly configMaps: EvalResult;
  }[];
  /** Medians over the pairs. */
  readonly platformMs: number;
  readonly bareMs: number;
  readonly ratio: number;
  /** Median time of as many fixed Kubernetes ConfigMaps: the floor of typed resources. */
  readonly configMapsMs: number;
  readonly platformMaxRssKiB: number;
  readonly bareMaxRssKiB: number;
  /** Peak minus the resident set right before the run (module loading excluded). */
  readonly platformGrowthKiB: number;
  readonly bareGrowthKiB: number;
}

export interface EvalBench {
  readonly sizes: readonly EvalSize[];
  readonly resources: ResourcesResult;
  readonly profile: ProfileShares;
  readonly profileTenants: number;
}

const EVAL_TIMEOUT_MS = 300_000;

export async function benchEval(log: (line: string) => void): Promise<EvalBench> {
  const resources = await runChild<ResourcesResult>("resources-child.ts", [], 120_000);
  log(`resources: 1 tenant ${resources.oneTenant}, 2 tenants ${resources.twoTenants}`);

  const sizes: EvalSize[] = [];
  for (const { tenants, pairs: count } of EVAL_SIZES) {
    const pairs: EvalSize["pairs"][number][] = [];
    for (let i = 0; i < count; i++) {
      const platform = await runChild<EvalResult>(
        "eval-child.ts",
        ["platform", String(tenants)],
        EVAL_TIMEOUT_MS,
      );
      const bare = await runChild<EvalResult>(
        "eval-child.ts",
        ["bare", String(platform.resources)],
        EVAL_TIMEOUT_MS,
      );
      const configMaps = await runChild<EvalResult>(
        "eval-child.ts",
        ["configmaps", String(platform.resources)],
        EVAL_TIMEOUT_MS,
      );
      log(
        `${tenants} tenants: platform ${Math.round(platform.ms)} ms, bare ${Math.round(bare.ms)} ms, configmaps ${Math.round(configMaps.ms)} ms (${platform.resources} resources)`,
      );
      pairs.push({ platform, bare, configMaps });
    }
    const medianOf = (
      metric: (result: EvalResult) => number,
      side: "platform" | "bare" | "configMaps",
    ) => median(pairs.map((p) => metric(p[side])));
    const platformMs = medianOf((r) => r.ms, "platform");
    const bareMs = medianOf((r) => r.ms, "bare");
    sizes.push({
      tenants,
      resources: pairs[0]?.platform.resources ?? 0,
      pairs,
      platformMs,
      bareMs,
      ratio: platformMs / bareMs,
      configMapsMs: medianOf((r) => r.ms, "configMaps"),
      platformMaxRssKiB: medianOf((r) => r.maxRssKiB, "platform"),
      bareMaxRssKiB: medianOf((r) => r.maxRssKiB, "bare"),
      platformGrowthKiB: medianOf((r) => r.maxRssKiB - r.rssBeforeKiB, "platform"),
      bareGrowthKiB: medianOf((r) => r.maxRssKiB - r.rssBeforeKiB, "bare"),
    });
  }

  const profiledRun = await runChild<EvalResult>(
    "eval-child.ts",
    ["platform", String(PROFILE_TENANTS), "--profile"],
    EVAL_TIMEOUT_MS,
  );
  return {
    sizes,
    resources,
    profile: profiledRun.profile as ProfileShares,
    profileTenants: PROFILE_TENANTS,
  };
}
