/**
 * The proxy Service's settings against its type (node ports only on NodePort, in range and not
 * one port for both; source ranges only on LoadBalancer, no traffic policy on ClusterIP): the one
 * validator in model/rules/proxy-service.ts, which components/edge/management-proxy-args.ts
 * applies too. And, across keys, the in-cluster database's admin node port against the proxy's:
 * a node port is one Service's on every node, so Kubernetes refuses the second mid-update.
 */
import { proxyServiceProblems } from "../../../model/rules/proxy-service";
import type { ConfigIssue } from "../errors";
import { configIssue, problemIssues, type ConfigRule } from "./rule";

export const proxyServiceIssues: ConfigRule = ({ config, valid }) =>
  valid("proxy") ? problemIssues(proxyServiceProblems(config.proxy, "proxy.")) : [];

export const nodePortCollisionIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("proxy", "database")) return [];
  const databasePort = config.database.mode === "in-cluster" ? config.database.nodePort : undefined;
  const proxyPorts = config.proxy.nodePorts;
  if (databasePort === undefined || proxyPorts === undefined) return [];
  const issues: ConfigIssue[] = [];
  for (const key of ["http", "https"] as const)
    if (proxyPorts[key] === databasePort)
      issues.push(
        configIssue(
          "database.nodePort",
          databasePort,
          `is also proxy.nodePorts.${key}: a node port belongs to one Service, and Kubernetes refuses the second; give the database another`,
        ),
      );
  return issues;
};
