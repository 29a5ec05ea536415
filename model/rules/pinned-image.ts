/**
 * How an image a deploy runs is pinned, the one place each rule is written:
 * - {@link unpinnedImageProblem}: by digest ({@link DIGEST_REF}), for the app's images: a tag can
 *   move under a running release, a digest cannot. TenantApp and AppImage apply it to a ref (the
 *   config schema applies the same pattern to `image.ref` and `tenants[].image`).
 * - {@link versionPinnedImageProblem}: by a version tag or a digest, never `latest` without a
 *   digest, for the platform's own images taken from a registry (the proxy's nginx, the backups'
 *   pg_dump and mc). Production's policy further requires a digest of every image.
 */
import { DIGEST_REF, DIGEST_REF_RULE, TAGGED_OR_DIGEST_REF } from "../patterns";

/** The problem with a ref that is not pinned by digest, or undefined when it is. */
export function unpinnedImageProblem(ref: string): string | undefined {
  return DIGEST_REF.test(ref) ? undefined : DIGEST_REF_RULE;
}

/**
 * What is wrong with `image` (no version tag or digest, or `latest` without a digest), or
 * undefined; the message shows `example`, a pinned image of the kind the field takes.
 */
export function versionPinnedImageProblem(image: string, example: string): string | undefined {
  const problem = `must be pinned by a version tag or a digest, e.g. ${example}`;
  if (!TAGGED_OR_DIGEST_REF.test(image)) return problem;
  // A reference of that grammar without a digest ends in `:<tag>`, after its last `/`.
  return !image.includes("@") && image.slice(image.lastIndexOf(":") + 1) === "latest"
    ? problem
    : undefined;
}
