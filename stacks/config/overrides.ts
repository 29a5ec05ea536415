/**
 * Per-run overrides of the image settings, for `ops deploy --skip-build | --force | --tag` (and
 * for engineers running `pulumi up` by hand in CI). They change one deployment without editing
 * Pulumi.<stack>.yaml, so the stack file stays the record of what the environment is.
 *
 * - `AGENT_CLOUD_SKIP_BUILD=1` with `AGENT_CLOUD_IMAGE_REF=<repo@sha256:...>`: deploy that image
 *   (the last one built) instead of building.
 * - `AGENT_CLOUD_REBUILD=<any new value>`: rebuild even if the build context did not change.
 * - `AGENT_CLOUD_IMAGE_TAG=<tag>`: push the build under this tag.
 * - `AGENT_CLOUD_TENANT_IMAGES={"acme":"repo@sha256:..."}`: run these tenants on these images
 *   (what `ops deploy --group` and `--image-from` set so a tenant keeps, or takes, an exact digest).
 */
export const OVERRIDE_ENV = {
  skipBuild: "AGENT_CLOUD_SKIP_BUILD",
  imageRef: "AGENT_CLOUD_IMAGE_REF",
  rebuild: "AGENT_CLOUD_REBUILD",
  tag: "AGENT_CLOUD_IMAGE_TAG",
  tenantImages: "AGENT_CLOUD_TENANT_IMAGES",
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
  const withImage =
    Object.keys(image).length === 0 && raw.image === undefined ? raw : { ...raw, image };
  return applyTenantImages(withImage, env[OVERRIDE_ENV.tenantImages]);
}

/** Sets `tenants[].image` from `AGENT_CLOUD_TENANT_IMAGES`; throws naming a bad entry. */
function applyTenantImages(
  raw: Record<string, unknown>,
  text: string | undefined,
): Record<string, unknown> {
  if (text === undefined || text === "") return raw;
  const name = OVERRIDE_ENV.tenantImages;
  let pins: unknown;
  try {
    pins = JSON.parse(text);
  } catch {
    throw new Error(
      `${name}: must be a JSON object {"<tenant id>": "<repo@sha256:...>"}; got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  if (typeof pins !== "object" || pins === null || Array.isArray(pins)) {
    throw new Error(
      `${name}: must be a JSON object {"<tenant id>": "<repo@sha256:...>"}; got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const tenants = Array.isArray(raw.tenants) ? (raw.tenants as unknown[]) : [];
  const ids = tenants.map((t) =>
    typeof t === "object" && t !== null ? (t as { id?: unknown }).id : undefined,
  );
  for (const [id, ref] of Object.entries(pins)) {
    if (typeof ref !== "string") {
      throw new Error(
        `${name}: tenant "${id}" must map to an image reference string; got ${JSON.stringify(ref)}`,
      );
    }
    if (!ids.includes(id)) {
      throw new Error(
        `${name}: tenant "${id}" is not in tenants (tenants: ${ids.filter((i) => typeof i === "string").join(", ") || "none"})`,
      );
    }
  }
  const map = pins as Record<string, string>;
  return {
    ...raw,
    tenants: tenants.map((t, i) => {
      const id = ids[i];
      return typeof id === "string" && map[id] !== undefined
        ? { ...(t as object), image: map[id] }
        : t;
    }),
  };
}
