/**
 * Images carried from one stack to another (`promote`, `deploy --image-from`): which ones, and
 * whether the target can run them.
 *
 * - Which: the source's stack image ({@link sourceStackImage}: its `imageRef` output, what its
 *   last update built or took and ran for every tenant without an image of its own) becomes the
 *   target's, and each carried tenant that ran another image is pinned to exactly that one
 *   ({@link carriedPins}). Never the image most tenants ran: tenants pinned to their own image
 *   may outnumber the ones on the stack image, and the target's other tenants follow its image.
 *
 * They run only if the target's cluster can pull them and its nodes can run them.
 *
 * - Pull: they must be on a registry the target pulls from (the host of its image.repository or
 *   of its image.ref), the one its pull credentials are for. Another registry, such as the local
 *   stack's `localhost:5001`, is one the target has no credentials for or cannot reach at all,
 *   and its pods would never start. Repositories are not compared: a tenant's own image in
 *   another repository on the same registry is pulled like the platform's.
 * - Run: an image the source built itself must cover every platform the target builds for
 *   (its image.platforms, the architectures of its nodes): a digest built for linux/amd64 alone,
 *   carried to a cluster with arm64 nodes, fails there with `exec format error` or
 *   `no match for platform in manifest`. What a build covered is its update's recorded
 *   image.platforms: an update that built and ran a digest built it from exactly that config,
 *   since another platform list is another build and another digest. Images the source did not
 *   build (a pinned image.ref, a tenant's own image, one it took with --image-from) cannot be
 *   checked here and are not.
 */
import type { StackConfig, StackOutputs } from "../engine";
import { OpsError } from "../errors";
import { registryHost } from "../../model/patterns";
import { fromRecorded, KEY, platformsOf, pullRegistriesOf } from "../stack-config";
import { imageRefOutput } from "../stack-outputs";
import { configuredImages, type Release } from "./release";

export interface CarriedImages {
  /** The command, as its errors start: `promote`, `--image-from dev`. */
  readonly what: string;
  readonly from: string;
  readonly to: string;
  /** The target's config (a shard's with its platform's image settings). */
  readonly target: StackConfig;
  /** Every image reference the target will run. */
  readonly refs: readonly string[];
  /** The source's releases, newest first ({@link releasesOf}): what its builds covered. */
  readonly sourceReleases: readonly Release[];
}

/**
 * The source's stack image: its `imageRef` output, the image its last update built (or took with
 * --skip-build, --image-from or image.ref) and runs for every tenant without `tenants[].image`.
 * Throws, naming the command, the source and what to do, when the source does not export it in
 * clear.
 */
export function sourceStackImage(
  carry: Pick<CarriedImages, "what" | "from" | "to">,
  outputs: StackOutputs,
): string {
  const image = imageRefOutput(outputs);
  if (image === undefined) {
    throw new OpsError(
      `${carry.what}: stack "${carry.from}" has no imageRef output in clear (the stack image its last update built or took, and runs for every tenant without tenants[].image), so there is no image to carry to "${carry.to}"; deploy "${carry.from}" again, test it, then carry its image`,
    );
  }
  return image;
}

/**
 * The pins a carry writes: each of `ids` that ran an image other than the source's stack image,
 * to exactly that image; into a shard (whose own image is its platform's, whatever that runs),
 * each one that ran a known image. A tenant whose image is not known is not pinned.
 */
export function carriedPins(
  stackImage: string,
  ran: Readonly<Record<string, string | undefined>>,
  ids: readonly string[],
  shard: boolean,
): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const id of ids) {
    const ref = ran[id];
    if (ref !== undefined && (shard || ref !== stackImage)) pins[id] = ref;
  }
  return pins;
}

/** The update that built an image, and the platforms it built it for. */
export interface Build {
  readonly version: number;
  readonly platforms: readonly string[];
}

/** The platforms an update's own build covered; undefined when it built nothing it ran. */
function platformsBuiltBy(release: Release): readonly string[] | undefined {
  const { update, facts } = release;
  if (update.kind !== "update" || update.result !== "succeeded") return undefined;
  if (facts.skipBuild || facts.imageFrom !== undefined || facts.rollbackTo !== undefined) {
    return undefined;
  }
  const recorded = update.config[KEY.image];
  if (recorded?.secret) return undefined;
  const image = recorded === undefined ? {} : fromRecorded(recorded);
  if (typeof image !== "object" || image === null || Array.isArray(image)) return undefined;
  if (typeof (image as { ref?: unknown }).ref === "string") return undefined;
  return platformsOf({ [KEY.image]: image });
}

/**
 * The images an update's build gave its tenants: what each tenant ran after it that neither its
 * recorded config (`tenants[].image`, `image.ref`) nor the update's message (`pin.<id>=`, a
 * tenant outside a --group deploy) pinned to another image.
 */
function builtImages(release: Release): string[] {
  const configured = configuredImages(release.update);
  const pins = release.facts.images?.pins ?? {};
  return Object.entries(release.images).flatMap(([id, image]) =>
    image !== undefined && configured[id] === undefined && pins[id] === undefined ? [image] : [],
  );
}

/** The newest successful update of the source that built `ref` and ran it, if any. */
export function buildOf(releases: readonly Release[], ref: string): Build | undefined {
  for (const release of releases) {
    if (!builtImages(release).includes(ref)) continue;
    const platforms = platformsBuiltBy(release);
    if (platforms !== undefined) return { version: release.update.version, platforms };
  }
  return undefined;
}

const listed = (items: readonly string[]) =>
  items.length <= 2 ? items.join(" and ") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

/**
 * The registries a stack pulls from ({@link pullRegistriesOf}) and those of `refs` on none of
 * them (each once); undefined when all are on one of them, or the stack names no registry.
 */
export function unpullable(
  target: StackConfig,
  refs: readonly string[],
): { readonly registries: readonly string[]; readonly foreign: readonly string[] } | undefined {
  const registries = pullRegistriesOf(target);
  const foreign = [...new Set(refs)].filter((ref) => !registries.includes(registryHost(ref)));
  return registries.length > 0 && foreign.length > 0 ? { registries, foreign } : undefined;
}

/** Refuses images the target cannot pull or its nodes cannot run, naming each and the fix. */
export function assertCarriable(carried: CarriedImages): void {
  const refs = [...new Set(carried.refs)];
  const pull = unpullable(carried.target, refs);
  if (pull !== undefined) {
    throw new OpsError(
      `${carried.what}: stack "${carried.to}" pulls its images from ${pull.registries.join(" and ")}, and stack "${carried.from}" ran ${pull.foreign.join(", ")} from another registry; carry images only between stacks that pull from the same registry`,
    );
  }
  const needed = platformsOf(carried.target);
  for (const ref of refs) {
    const build = buildOf(carried.sourceReleases, ref);
    const missing = needed.filter((platform) => !build?.platforms.includes(platform));
    if (build === undefined || missing.length === 0) continue;
    throw new OpsError(
      `${carried.what}: stack "${carried.to}" builds for ${listed(needed)} (its image.platforms: its nodes may run any of them), and stack "${carried.from}" built ${ref} for ${listed([...build.platforms])} only (v${build.version}); add ${listed(missing)} to image.platforms of "${carried.from}", deploy and test it, then carry its new image`,
    );
  }
}
