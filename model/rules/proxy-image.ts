/**
 * The proxy's image must be pinned: the one rule the config validation (stacks/config) and the
 * ManagementProxy component both apply (production's policy further requires a digest). Pure,
 * no dependencies.
 */

/** Pinned by a version tag or a digest: `repo:tag`, `repo@sha256:…` or both. */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** What is wrong with `image` (unpinned, or `latest` without a digest), or undefined. */
export function proxyImageProblem(image: string): string | undefined {
  const tag = /:([\w][\w.-]*)$/.exec(image.split("@")[0] as string)?.[1];
  return !PINNED_IMAGE.test(image) || (tag === "latest" && !image.includes("@"))
    ? "must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine"
    : undefined;
}
