/**
 * The proxy's image must be pinned: the one rule the config validation (stacks/config) and the
 * ManagementProxy component both apply (production's policy further requires a digest). Pure.
 */
import { TAGGED_OR_DIGEST_REF } from "../patterns";

/** What is wrong with `image` (unpinned, or `latest` without a digest), or undefined. */
export function proxyImageProblem(image: string): string | undefined {
  const tag = /:([\w][\w.-]*)$/.exec(image.split("@")[0] as string)?.[1];
  return !TAGGED_OR_DIGEST_REF.test(image) || (tag === "latest" && !image.includes("@"))
    ? "must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine"
    : undefined;
}
