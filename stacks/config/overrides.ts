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
 * - `AGENT_CLOUD_ADOPT_DATABASES=acme,globex`: take over these tenants' PostgreSQL role and
 *   database, retained on the server when they were removed, instead of creating them (what
 *   `ops deploy` and `ops rollback --restore-removed` set for a tenant an earlier update ran).
 */
import { showReceived } from "../../model/rules/config-problem";
import { DIGEST_REF, DIGEST_REF_RULE, IMAGE_TAG, IMAGE_TAG_RULE } from "../../model/patterns";
import { ConfigError, type ConfigIssue } from "./errors";

export const OVERRIDE_ENV = {
  skipBuild: "AGENT_CLOUD_SKIP_BUILD",
  imageRef: "AGENT_CLOUD_IMAGE_REF",
  rebuild: "AGENT_CLOUD_REBUILD",
  tag: "AGENT_CLOUD_IMAGE_TAG",
  tenantImages: "AGENT_CLOUD_TENANT_IMAGES",
  adoptDatabases: "AGENT_CLOUD_ADOPT_DATABASES",
  databaseMoved: "AGENT_CLOUD_DATABASE_MOVED",
} as const;

/** The overrides `env` sets: non-empty, and for AGENT_CLOUD_SKIP_BUILD not `0`. */
export function overridesSet(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.values(OVERRIDE_ENV).filter((name) => {
    const value = env[name] ?? "";
    return value !== "" && !(name === OVERRIDE_ENV.skipBuild && value === "0");
  });
}

/**
 * Returns `raw` with the image overrides from `env` applied. An incomplete or malformed override
 * throws one {@link ConfigError} listing every problem with the variables.
 */
export function applyOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  const issues: ConfigIssue[] = [];
  const withImage = applyImageOverrides(raw, env, issues);
  const withTenantImages = applyTenantImages(withImage, env[OVERRIDE_ENV.tenantImages], issues);
  const withAdoptions = applyAdoptions(withTenantImages, env[OVERRIDE_ENV.adoptDatabases], issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return withAdoptions;
}

/** `image.ref`, `image.rebuildNonce` and `image.tag` from the build overrides. */
function applyImageOverrides(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  issues: ConfigIssue[],
): Record<string, unknown> {
  const image: Record<string, unknown> =
    raw.image !== null && typeof raw.image === "object" ? { ...raw.image } : {};
  const set = overridesSet(env);
  const imageRef = env[OVERRIDE_ENV.imageRef];
  if (set.includes(OVERRIDE_ENV.skipBuild)) {
    if (imageRef === undefined || imageRef === "") {
      issues.push({
        path: OVERRIDE_ENV.skipBuild,
        received: showReceived(env[OVERRIDE_ENV.skipBuild]),
        message: `is set but ${OVERRIDE_ENV.imageRef} is empty: skipping the build needs the image to deploy (repo@sha256:...); ops deploy --skip-build takes it from the stack's imageRef output`,
      });
    } else if (!DIGEST_REF.test(imageRef)) {
      issues.push({
        path: OVERRIDE_ENV.imageRef,
        received: showReceived(imageRef),
        message: DIGEST_REF_RULE,
      });
    } else {
      image.ref = imageRef;
    }
  }
  const tag = env[OVERRIDE_ENV.tag];
  // A pinned image (the file's image.ref, or skip-build's) is deployed as it is: nothing is built.
  const building = [OVERRIDE_ENV.rebuild, OVERRIDE_ENV.tag].filter((name) => set.includes(name));
  if (typeof image.ref === "string")
    for (const name of building)
      issues.push({
        path: name,
        received: showReceived(env[name]),
        message: `asks for a build, but image.ref pins ${image.ref}, which is deployed as it is and builds nothing; unset ${name}, or remove image.ref to build from the context`,
      });
  else if (set.includes(OVERRIDE_ENV.tag) && !IMAGE_TAG.test(tag ?? ""))
    issues.push({ path: OVERRIDE_ENV.tag, received: showReceived(tag), message: IMAGE_TAG_RULE });
  if (set.includes(OVERRIDE_ENV.rebuild)) image.rebuildNonce = env[OVERRIDE_ENV.rebuild];
  if (set.includes(OVERRIDE_ENV.tag)) image.tag = tag;
  return Object.keys(image).length === 0 && raw.image === undefined ? raw : { ...raw, image };
}

/** Sets `tenants[].image` from `AGENT_CLOUD_TENANT_IMAGES`; an issue for each bad entry. */
function applyTenantImages(
  raw: Record<string, unknown>,
  text: string | undefined,
  issues: ConfigIssue[],
): Record<string, unknown> {
  if (text === undefined || text === "") return raw;
  const variable = OVERRIDE_ENV.tenantImages;
  const notAnObject = {
    path: variable,
    message: `must be a JSON object {"<tenant id>": "<repo@sha256:...>"}; got ${JSON.stringify(text.slice(0, 80))}`,
  };
  let pins: unknown;
  try {
    pins = JSON.parse(text);
  } catch {
    issues.push(notAnObject);
    return raw;
  }
  if (typeof pins !== "object" || pins === null || Array.isArray(pins)) {
    issues.push(notAnObject);
    return raw;
  }
  const tenants = Array.isArray(raw.tenants) ? (raw.tenants as unknown[]) : [];
  const ids = tenantIdsOf(raw);
  const before = issues.length;
  for (const [id, ref] of Object.entries(pins)) {
    if (typeof ref !== "string") {
      issues.push({
        path: variable,
        message: `tenant "${id}" must map to an image reference string; got ${JSON.stringify(ref)}`,
      });
    } else if (!DIGEST_REF.test(ref)) {
      issues.push({
        path: variable,
        message: `tenant "${id}" ${JSON.stringify(ref)}: ${DIGEST_REF_RULE}`,
      });
    } else if (!ids.includes(id)) {
      issues.push({
        path: variable,
        message: `tenant "${id}" is not in tenants (tenants: ${ids.filter((known) => typeof known === "string").join(", ") || "none"})`,
      });
    }
  }
  if (issues.length > before) return raw;
  const imageOf = pins as Record<string, string>;
  return {
    ...raw,
    tenants: tenants.map((tenant, index) => {
      const id = ids[index];
      return typeof id === "string" && imageOf[id] !== undefined
        ? { ...(tenant as object), image: imageOf[id] }
        : tenant;
    }),
  };
}

/** The tenant ids of `raw.tenants`, in order (undefined for an entry without a string id). */
function tenantIdsOf(raw: Record<string, unknown>): (string | undefined)[] {
  const tenants = Array.isArray(raw.tenants) ? (raw.tenants as unknown[]) : [];
  return tenants.map((tenant) => {
    const id =
      typeof tenant === "object" && tenant !== null ? (tenant as { id?: unknown }).id : undefined;
    return typeof id === "string" ? id : undefined;
  });
}

/**
 * Sets `adoptDatabases` from `AGENT_CLOUD_ADOPT_DATABASES` (comma-separated ids). Only per run:
 * taking a retained database over is a decision for one deploy, and a stack file entry would
 * outlive it (and a rollback would replay it).
 */
function applyAdoptions(
  raw: Record<string, unknown>,
  text: string | undefined,
  issues: ConfigIssue[],
): Record<string, unknown> {
  const inFile = raw.adoptDatabases;
  if (inFile !== undefined && !(Array.isArray(inFile) && inFile.length === 0)) {
    issues.push({
      path: "adoptDatabases",
      received: showReceived(raw.adoptDatabases),
      message: `is set per run, not in the stack file: ops deploy --adopt-database ID sets it (${OVERRIDE_ENV.adoptDatabases} for a hand-run pulumi up); remove it with: pulumi config rm adoptDatabases`,
    });
    return raw;
  }
  if (text === undefined || text.trim() === "") return raw;
  const ids = text.split(",").map((id) => id.trim());
  const known = tenantIdsOf(raw).filter((id) => id !== undefined);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    issues.push({
      path: OVERRIDE_ENV.adoptDatabases,
      received: showReceived(text),
      message: `${unknown.map((id) => JSON.stringify(id)).join(", ")} ${unknown.length === 1 ? "is" : "are"} not in tenants (tenants: ${known.join(", ") || "none"}); list the ids of this stack's tenants, separated by commas`,
    });
    return raw;
  }
  return { ...raw, adoptDatabases: [...new Set(ids)] };
}

/**
 * Whether `AGENT_CLOUD_DATABASE_MOVED` says the tenants' data was moved: `1` yes, unset or empty
 * no. Anything else throws a {@link ConfigError}: a typo must not pass for either answer.
 */
export function databaseMovedOverride(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[OVERRIDE_ENV.databaseMoved] ?? "";
  if (value === "" || value === "1") return value === "1";
  throw new ConfigError([
    {
      path: OVERRIDE_ENV.databaseMoved,
      received: showReceived(value),
      message:
        "must be 1 (the tenants' data was moved to the stack file's database server) or unset",
    },
  ]);
}
