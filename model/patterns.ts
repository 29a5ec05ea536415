/**
 * Patterns more than one part of the platform checks values against (the config schema, the
 * components that take the values, ops and the policy pack).
 *
 * Image references follow a lowercase subset of Docker's reference grammar
 * (distribution/reference): `[host[:port]/]path[:tag][@sha256:<64 hex>]`. A `:` is allowed only
 * before a registry host's port and before the tag, so `a:b:c@sha256:…` is refused instead of
 * reaching a registry that would refuse it mid-deploy.
 */

/** `ghcr.io`, `registry-1.example.com`, `localhost:5001`. */
const HOST = String.raw`[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]+)?`;
/** `agent`, `sample-agent`, `agent_v2`, `team.tools`: alphanumeric runs joined by `.`, `_`, `__` or dashes. */
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
/** A repository: an optional registry host, then `/`-separated path components. */
const REPOSITORY = String.raw`(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*`;
/** A tag: a word character, then up to 127 word characters, `.` or `-`. */
const TAG = String.raw`[\w][\w.-]{0,127}`;
const DIGEST = String.raw`sha256:[a-f0-9]{64}`;

/** A repository a build can push to, with no tag or digest: `ghcr.io/acme/agent`. */
export const IMAGE_REPOSITORY = new RegExp(`^${REPOSITORY}$`);

/** An image tag: `latest`, `v1.2.3`, `pr-42`. */
export const IMAGE_TAG = new RegExp(`^${TAG}$`);
/** What {@link IMAGE_TAG} allows, in an error message. */
export const IMAGE_TAG_RULE =
  "must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')";
/** The tag a build pushes alongside the digest when none is given. */
export const DEFAULT_IMAGE_TAG = "latest";

/** Platforms an image can be built for (`image.platforms`). */
export const IMAGE_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
/** What a build covers when `image.platforms` is unset. */
export const DEFAULT_IMAGE_PLATFORMS: readonly (typeof IMAGE_PLATFORMS)[number][] = ["linux/amd64"];

/** An image reference pinned by digest: `repo[:tag]@sha256:<64 hex>`. */
export const DIGEST_REF = new RegExp(`^${REPOSITORY}(?::${TAG})?@${DIGEST}$`);
/** What {@link DIGEST_REF} allows, in an error message. */
export const DIGEST_REF_RULE =
  "must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>";

/** The repository of an image reference: `ghcr.io/acme/agent:v1@sha256:…` → `ghcr.io/acme/agent`. */
export function repositoryOfRef(ref: string): string {
  const named = ref.split("@")[0] as string;
  const colon = named.lastIndexOf(":");
  return colon > named.lastIndexOf("/") ? named.slice(0, colon) : named;
}

/**
 * The registry a repository or image reference lives on, by Docker's own rule: the first path
 * component when it looks like a host (a `.`, a port or `localhost`), else Docker Hub.
 * `ghcr.io/acme/agent` → `ghcr.io`; `acme/agent` → `docker.io`.
 */
export function registryHost(repository: string): string {
  const first = repository.split("/")[0] ?? "";
  const isHost =
    repository.includes("/") &&
    (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? first : "docker.io";
}

/** An image reference with a tag, a digest or both: `repo:tag`, `repo@sha256:…`, `repo:tag@sha256:…`. */
export const TAGGED_OR_DIGEST_REF = new RegExp(
  `^${REPOSITORY}(?::${TAG}(?:@${DIGEST})?|@${DIGEST})$`,
);
