/**
 * One program evaluation in a fresh process, so each figure starts from the same cold heap:
 *
 *   platform <n>   the Platform with the local stack's config and n tenants
 *   bare <count>   `count` trivial CustomResources (`agent-cloud:bench:Bare`), same harness
 *   configmaps <count>  `count` Kubernetes ConfigMaps with fixed, tiny inputs: the floor of a
 *                  typed provider resource (the SDK gives it an Output per schema property)
 *   … --profile    also profile the run (slower; its time is not a figure, only its shares)
 *
 * Modules are loaded and the config parsed before the clock starts; the time is the run of the
 * program under mocks only, until every registration has been answered.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../components/platform";
import { runProgram } from "../testkit/mocks";
import { answer } from "./child";
import { localConfigWithN } from "./platform-config";
import { profiled, type ProfileShares } from "./profile";

export interface EvalResult {
  readonly mode: "platform" | "bare" | "configmaps";
  readonly n: number;
  readonly resources: number;
  readonly ms: number;
  /** Peak resident set of the process, KiB. */
  readonly maxRssKiB: number;
  /** Resident set once modules were loaded, just before the program ran, KiB. */
  readonly rssBeforeKiB: number;
  readonly profile?: ProfileShares;
}

export const BARE_TYPE = "agent-cloud:bench:Bare";

/** The cheapest resource the SDK can register: a custom resource with one small input. */
class Bare extends pulumi.CustomResource {
  constructor(name: string, args: { readonly index: number }, opts?: pulumi.CustomResourceOptions) {
    super(BARE_TYPE, name, args, opts);
  }
}

async function main(): Promise<EvalResult> {
  const [mode, arg, flag] = process.argv.slice(2);
  const count = Number(arg);
  if (
    (mode !== "platform" && mode !== "bare" && mode !== "configmaps") ||
    !Number.isInteger(count) ||
    count < 0
  )
    throw new Error(
      `usage: eval-child.ts platform|bare|configmaps <n>; got ${process.argv.slice(2).join(" ")}`,
    );
  const program =
    mode === "platform"
      ? (() => {
          const config = localConfigWithN(count);
          return () => void new Platform("local", { config, projectRoot: `${__dirname}/..` });
        })()
      : mode === "bare"
        ? () => {
            for (let i = 0; i < count; i++) new Bare(`bare-${i}`, { index: i });
          }
        : () => {
            for (let i = 0; i < count; i++) {
              new k8s.core.v1.ConfigMap(`cm-${i}`, {
                metadata: { name: `cm-${i}`, namespace: "bench" },
                data: { index: String(i) },
              });
            }
          };
  const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
  const start = performance.now();
  const go = () => runProgram(program, { stack: "local" });
  const [run, profile] = flag === "--profile" ? await profiled(go) : [await go(), undefined];
  const ms = performance.now() - start;
  return {
    mode,
    n: count,
    resources: run.resources.length,
    ms,
    maxRssKiB: process.resourceUsage().maxRSS,
    rssBeforeKiB,
    ...(profile ? { profile } : {}),
  };
}

answer(main);
