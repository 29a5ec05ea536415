/**
 * Per-run overrides of the image settings, for `ops deploy --skip-build | --force | --tag` (and
 * for engineers running `pulumi up` by hand in CI). They change one deployment without editing
 * Pulumi.<stack>.yaml, so the stack file stays the record of what the environment is.
 *
 * - `AGENT_CLOUD_SKIP_BUILD=1` with `AGENT_CLOUD_IMAGE_REF=<repo@sha256:...>`: deploy that image
 *   (the last one built) instead of building.
 * - `AGENT_CLOUD_REBUILD=<any new value>`: rebuild even if the build context did not change.
 * - `AGENT_CLOUD_IMAGE_TAG=<tag>`: push the build under this tag.
 */
export const OVERRIDE_ENV = {
  skipBuild: "AGENT_CLOUD_SKIP_BUILD",
  imageRef: "AGENT_CLOUD_IMAGE_REF",
  rebuild: "AGENT_CLOUD_REBUILD",
  tag: "AGENT_CLOUD_IMAGE_TAG",
} as const;

/** Returns `raw` with the image overrides from `env` applied; throws on an incomplete override. */
export function applyOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  const image: Record<string, unknown> =
    raw.image !== null && typeof raw.image === "object" ? { ...raw.image } : {};
  const skip = env[OVERRIDE_ENV.skipBuild];
  const ref = env[OVERRIDE_ENV.imageRef];
  if (skip !== undefined && skip !== "" && skip !== "0") {
    if (ref === undefined || ref === "") {
      throw new Error(
        `${OVERRIDE_ENV.skipBuild} is set but ${OVERRIDE_ENV.imageRef} is empty: skipping the build needs the image to deploy (repo@sha256:...); ops deploy --skip-build takes it from the stack's imageRef output`,
      );
    }
    image.ref = ref;
  }
  const rebuild = env[OVERRIDE_ENV.rebuild];
  if (rebuild !== undefined && rebuild !== "") image.rebuildNonce = rebuild;
  const tag = env[OVERRIDE_ENV.tag];
  if (tag !== undefined && tag !== "") image.tag = tag;
  return Object.keys(image).length === 0 && raw.image === undefined ? raw : { ...raw, image };
}
