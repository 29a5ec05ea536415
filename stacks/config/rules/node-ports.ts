/**
 * The proxy's node ports only apply to a NodePort Service; components/edge/management-proxy.ts
 * checks the same on its args.
 */
import { configIssue, type ConfigRule } from "./rule";

export const nodePortIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("proxy")) return [];
  const { proxy } = config;
  if (proxy.serviceType === "NodePort" || proxy.nodePorts === undefined) return [];
  return [
    configIssue(
      "proxy.nodePorts",
      proxy.nodePorts,
      `only applies when proxy.serviceType is "NodePort" (got "${proxy.serviceType}")`,
    ),
  ];
};
