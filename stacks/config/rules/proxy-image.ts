/**
 * The proxy's image must be pinned by a version tag or a digest: the one validator in
 * model/rules/proxy-image.ts, which components/edge/management-proxy-args.ts applies too.
 */
import { proxyImageProblem } from "../../../model/rules/proxy-image";
import { configIssue, type ConfigRule } from "./rule";

export const proxyImageIssues: ConfigRule = ({ config, valid }) => {
  const problem = valid("proxy") ? proxyImageProblem(config.proxy.image) : undefined;
  return problem === undefined ? [] : [configIssue("proxy.image", config.proxy.image, problem)];
};
