/** Cloudflare's edge certificate must cover every tenant host (model/edge-certificate.ts). */
import { edgeCertificateProblem } from "../../../model/edge-certificate";
import { configIssue, type ConfigRule } from "./rule";

export const edgeCertificateIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("dns", "domain") || config.dns.provider !== "cloudflare") return [];
  const problem = edgeCertificateProblem({ domain: config.domain, ...config.dns });
  return problem === undefined ? [] : [configIssue(problem[0], undefined, problem[1])];
};
