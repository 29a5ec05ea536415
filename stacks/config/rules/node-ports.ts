/**
 * The proxy Service's settings against its type (node ports only on NodePort and in range,
 * source ranges only on LoadBalancer, no traffic policy on ClusterIP): the one validator in
 * model/rules/proxy-service.ts, which components/edge/management-proxy-args.ts applies too.
 */
import { proxyServiceProblems } from "../../../model/rules/proxy-service";
import { problemIssues, type ConfigRule } from "./rule";

export const proxyServiceIssues: ConfigRule = ({ config, valid }) =>
  valid("proxy") ? problemIssues(proxyServiceProblems(config.proxy, "proxy.")) : [];
