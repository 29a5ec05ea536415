/**
 * The proxy's image must be pinned by a version tag or a digest (model/rules/pinned-image.ts):
 * the one rule the config validation (stacks/config) and the ManagementProxy component both apply
 * (production's policy further requires a digest). Pure.
 */
import { versionPinnedImageProblem } from "./pinned-image";

/** What is wrong with `image` (unpinned, or `latest` without a digest), or undefined. */
export function proxyImageProblem(image: string): string | undefined {
  return versionPinnedImageProblem(image, "nginx:1.27.5-alpine");
}
