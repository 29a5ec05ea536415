/**
 * The proxy's image must be pinned: the one rule the config validation (stacks/config) and the
 * ManagementProxy component both apply (production's policy further requires a digest). Pure.
 */
import { TAGGED_OR_DIGEST_REF } from "../patterns";

const PINNED = "must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine";

/** What is wrong with `image` (unpinned, or `latest` without a digest), or undefined. */
export function proxyImageProblem(image: string): string | undefined {
  if (!TAGGED_OR_DIGEST_REF.test(image)) return PINNED;
  // A reference of that grammar without a digest ends in `:<tag>`, after its last `/`.
  return !image.includes("@") && image.slice(image.lastIndexOf(":") + 1) === "latest"
    ? PINNED
    : undefined;
}
