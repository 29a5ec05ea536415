/**
 * The app image: a ref pinned by digest, or a build context with a repository to push to (the
 * one repository rule in model/rules/image-repository.ts, which AppImage applies too); a
 * registry password needs its username.
 */
import { imageRepositoryProblems } from "../../../model/rules/image-repository";
import type { ConfigIssue } from "../errors";
import { configIssue, problemIssues, type ConfigRule } from "./rule";

export const imageIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("image")) return [];
  const { image } = config;
  const issues: ConfigIssue[] = [];
  if (image.ref === undefined && image.context === undefined) {
    issues.push(
      configIssue(
        "image",
        undefined,
        `set image.ref (an image pinned by digest) or image.context (a folder to build)`,
      ),
    );
  }
  if (image.ref === undefined && image.context !== undefined && image.repository === undefined) {
    issues.push(
      configIssue(
        "image.repository",
        undefined,
        `is required to push a build of image.context, e.g. ghcr.io/acme/agent`,
      ),
    );
  }
  // Checked where AppImage checks it: a pinned ref builds nothing and pushes nowhere.
  if (image.ref === undefined && image.repository !== undefined) {
    issues.push(...problemIssues(imageRepositoryProblems(image.repository)));
  }
  if (
    valid("registryPassword") &&
    config.registryPassword !== undefined &&
    image.registryUsername === undefined
  ) {
    issues.push(
      configIssue("image.registryUsername", undefined, `is required when registryPassword is set`),
    );
  }
  return issues;
};
