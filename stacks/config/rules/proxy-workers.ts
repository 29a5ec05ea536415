/**
 * `proxy.resources`: the memory limit holds the old nginx workers a route change leaves
 * draining, and the CPU limit runs no more workers than nginx allows, by the check
 * ManagementProxy runs (proxyWorkerSizing). The routes counted are this stack's tenants: a
 * platform stack's proxy also routes its shards' tenants, which only the program sees, so a
 * limit that passes here can still be refused there, never the other way round.
 */
import { showReceived } from "../../../model/rules/config-problem";
import { proxyWorkerSizing } from "../../../components/edge/management-proxy-args";
import type { ConfigRule } from "./rule";

export const proxyWorkerIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("proxy", "tenants")) return [];
  const sizing = proxyWorkerSizing({
    resources: config.proxy.resources,
    routes: config.tenants,
  });
  const fromCpu = sizing.workers.fromCpu;
  return sizing.problems.map((problem) => {
    // What set the worker count, named as the stack file spells it (the config has no
    // workerProcesses: one worker per CPU of the limit).
    const why =
      problem.path === "resources.limits.memory" && problem.received !== undefined && fromCpu
        ? ` (${sizing.workers.count} workers: one per CPU of proxy.${fromCpu})`
        : "";
    const shown = showReceived(problem.received);
    return {
      path: `proxy.${problem.path}`,
      received: problem.isDefault && shown !== undefined ? `${shown} (the default)` : shown,
      message: `${problem.message}${why}`,
    };
  });
};
