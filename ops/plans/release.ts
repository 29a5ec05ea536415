/**
 * The release record every ops update leaves in the stack's history.
 *
 * Where it lives: in the update's message. Pulumi's backend (Pulumi Cloud or a bucket) keeps each
 * update's message, its environment (`git.head`, `git.dirty`) and its config (secret values only
 * as a flag), and `pulumi stack history` returns them to any machine that can read the stack.
 * Stack outputs are not kept per update (only Pulumi Cloud can export an earlier checkpoint) and
 * stack tags are per stack, so the message is the one per-update field every backend keeps.
 *
 * What it holds: the action (`deploy`, `rollback to v3`), the release name, the actor, the commit,
 * the overrides (`skip-build`, `rebuild` for --force, `tag`, `groups`, `image-from`, `prune`),
 * the database server its tenants' databases are on (`database`),
 * the images the update was told to run (`image=<ref>` for every tenant, `pin.<id>=<ref>` for the
 * tenants that run another), and `before=vK` with the images every tenant ran when it started,
 * read from the stack's state (ops/plans/running-images.ts). A build's digest is only known once the update has run,
 * so the images a build update left are the `before` of the next update, or the stack's outputs
 * while it is the latest. Values are escaped so a message never holds a space inside a value; a
 * value holding a control character, raw or escaped, is not one ops wrote and reads as not recorded.
 * No secret is ever part of a message: images, names, commits and flags only.
 */
import type { UpdateRecord } from "../engine";
import { fromRecorded, KEY, tenantsOf } from "../stack-config";
import { commitOf, digestOf, messageTokens, opsMessage, type RecordedUpdate } from "./update-meta";

/** Image reference per tenant id. */
export type TenantImages = Readonly<Record<string, string>>;

/** The images of a set of tenants: the one most run, and the tenants that run another. */
export interface ImageSet {
  readonly image?: string;
  readonly pins: TenantImages;
}

/** What an update recorded about itself. */
export interface ReleaseFacts {
  /** `deploy`, `rollback to v3`, ... (the words before the first token). */
  readonly action: string;
  readonly name?: string;
  readonly actor?: string;
  readonly commit?: string;
  readonly dirty?: boolean;
  /** Images the update was told to run, when known before it ran. */
  readonly images?: ImageSet;
  readonly skipBuild?: boolean;
  readonly rebuild?: boolean;
  readonly tag?: string;
  readonly groups?: readonly string[];
  /** `dev@v7`: the stack and update whose images a deploy took. */
  readonly imageFrom?: string;
  readonly rollbackTo?: number;
  readonly prune?: boolean;
  /** Tenants removed on purpose (`--remove-tenant`). */
  readonly removed?: readonly string[];
  /** The database server the tenants' databases are on (`in-cluster`, `external host:port`). */
  readonly database?: string;
  /** The update whose result this one started from, and the images running then. */
  readonly before?: { readonly version: number; readonly images: ImageSet };
}

const escape = (value: string) =>
  value.replace(/%/g, "%25").replace(/\s/g, (c) => encodeURIComponent(c));

/** C0 controls (newline and tab included), DEL and C1 controls. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/**
 * A message word's value as written, or undefined when it carries a control character (raw or
 * percent-encoded): no value ops records has one, and printed it could forge history rows or
 * drive the operator's terminal, so such a value counts as not recorded.
 */
const unescape = (value: string): string | undefined => {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // Not percent-encoded by ops: read as written.
  }
  return CONTROL.test(decoded) ? undefined : decoded;
};

/**
 * `before=vK`: the images each tenant ran when this update started, under the latest update's
 * version; undefined for a stack never updated or with no tenant running.
 */
export function imagesBefore(
  history: readonly UpdateRecord[],
  running: TenantImages,
): ReleaseFacts["before"] {
  const latest = history.find((update) => update.kind === "update");
  return latest === undefined || Object.keys(running).length === 0
    ? undefined
    : { version: latest.version, images: splitImages(running) };
}

/** The image most tenants run, and the others as pins. */
export function splitImages(images: TenantImages): ImageSet {
  const counts = new Map<string, number>();
  for (const ref of Object.values(images)) counts.set(ref, (counts.get(ref) ?? 0) + 1);
  const image = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  const pins: Record<string, string> = {};
  for (const id of Object.keys(images).sort()) {
    if (images[id] !== image) pins[id] = images[id] as string;
  }
  return { image, pins };
}

/** Every listed tenant's image: its pin, else the set's image (undefined when neither). */
export function expandImages(
  set: ImageSet,
  tenantIds: readonly string[],
): Record<string, string | undefined> {
  return Object.fromEntries(tenantIds.map((id) => [id, set.pins[id] ?? set.image]));
}

function imageTokens(prefix: string, set: ImageSet): string[] {
  const words: string[] = [];
  if (set.image !== undefined) words.push(`${prefix}image=${escape(set.image)}`);
  for (const [id, ref] of Object.entries(set.pins)) words.push(`${prefix}pin.${id}=${escape(ref)}`);
  return words;
}

/** The message for an update: the action, then `key=value` tokens {@link parseRelease} reads. */
export function releaseMessage(facts: ReleaseFacts): string {
  const words = [facts.action];
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== "") words.push(`${key}=${escape(value)}`);
  };
  add("release", facts.name);
  add("actor", facts.actor);
  add("commit", facts.commit);
  if (facts.dirty) words.push("dirty=true");
  if (facts.images !== undefined) words.push(...imageTokens("", facts.images));
  if (facts.skipBuild) words.push("skip-build=true");
  if (facts.rebuild) words.push("rebuild=true");
  add("tag", facts.tag);
  if (facts.groups !== undefined && facts.groups.length > 0) add("groups", facts.groups.join(","));
  add("image-from", facts.imageFrom);
  if (facts.rollbackTo !== undefined) words.push(`rollback-to=v${facts.rollbackTo}`);
  if (facts.prune) words.push("prune=true");
  if (facts.removed !== undefined && facts.removed.length > 0)
    add("removed", facts.removed.join(","));
  add("database", facts.database);
  if (facts.before !== undefined) {
    words.push(`before=v${facts.before.version}`, ...imageTokens("before.", facts.before.images));
  }
  return words.join(" ");
}

function imagesFrom(tokens: Map<string, string>, prefix: string): ImageSet | undefined {
  const image = tokens.get(`${prefix}image`);
  const pins: Record<string, string> = {};
  for (const [key, value] of tokens) {
    if (key.startsWith(`${prefix}pin.`)) pins[key.slice(prefix.length + 4)] = value;
  }
  // Messages written before references were recorded carry `image=sha256:...` alone.
  if (image === undefined && Object.keys(pins).length === 0) return undefined;
  return { image, pins };
}

/**
 * What an update's message says about it (an empty record for messages ops did not write). A word
 * whose key or value carries a control character is left out, as if not recorded.
 */
export function parseRelease(message: string): ReleaseFacts {
  const tokens = new Map<string, string>();
  for (const [key, value] of messageTokens(message)) {
    const decoded = unescape(value);
    if (decoded !== undefined && !CONTROL.test(key)) tokens.set(key, decoded);
  }
  const words = message.split(/\s+/).filter((w) => w !== "");
  const firstToken = words.findIndex((w) => w.indexOf("=") > 0);
  const action = (firstToken < 0 ? words : words.slice(0, firstToken))
    .filter((w) => !CONTROL.test(w))
    .join(" ");
  const flag = (key: string) => tokens.get(key) === "true" || undefined;
  const version = (key: string) => {
    const match = /^v(\d+)$/.exec(tokens.get(key) ?? "");
    return match === null ? undefined : Number(match[1]);
  };
  const list = (key: string) =>
    tokens
      .get(key)
      ?.split(",")
      .filter((s) => s !== "");
  const beforeVersion = version("before");
  return {
    action,
    name: tokens.get("release"),
    actor: tokens.get("actor"),
    commit: tokens.get("commit"),
    dirty: flag("dirty"),
    images: imagesFrom(tokens, ""),
    skipBuild: flag("skip-build"),
    rebuild: flag("rebuild"),
    tag: tokens.get("tag"),
    groups: list("groups"),
    imageFrom: tokens.get("image-from"),
    rollbackTo: version("rollback-to"),
    prune: flag("prune"),
    removed: list("removed"),
    database: tokens.get("database"),
    before:
      beforeVersion === undefined
        ? undefined
        : { version: beforeVersion, images: imagesFrom(tokens, "before.") ?? { pins: {} } },
  };
}

/**
 * What an update's record says about it: {@link parseRelease} of its message, or an empty record
 * for an update whose message is its commit's title (opsMessage).
 */
export function releaseOf(update: RecordedUpdate): ReleaseFacts {
  return parseRelease(opsMessage(update));
}

/** The overrides an update was run with, as history shows them. */
export function overridesOf(facts: ReleaseFacts): string[] {
  const shown: string[] = [];
  if (facts.rollbackTo !== undefined) shown.push(`rollback to v${facts.rollbackTo}`);
  if (facts.skipBuild) shown.push("--skip-build");
  if (facts.rebuild) shown.push("--force");
  if (facts.tag !== undefined) shown.push(`--tag ${facts.tag}`);
  for (const group of facts.groups ?? []) shown.push(`--group ${group}`);
  if (facts.imageFrom !== undefined) shown.push(`--image-from ${facts.imageFrom}`);
  if (facts.prune) shown.push("--prune");
  for (const id of facts.removed ?? []) shown.push(`--remove-tenant ${id}`);
  return shown;
}

/** Tenant ids in the config an update recorded, in file order. */
export function recordedTenantIds(update: Pick<UpdateRecord, "config">): string[] {
  const recorded = update.config[KEY.tenants];
  if (recorded === undefined || recorded.secret) return [];
  return tenantsOf({ [KEY.tenants]: fromRecorded(recorded) }).map((t) => t.id);
}

/** Images pinned in the config an update recorded: `image.ref`, and `tenants[].image`. */
export function configuredImages(
  update: Pick<UpdateRecord, "config">,
): Record<string, string | undefined> {
  const image = update.config[KEY.image];
  let ref: string | undefined;
  if (image !== undefined && !image.secret) {
    const value = fromRecorded(image) as { ref?: unknown } | string;
    if (typeof value === "object" && value !== null && typeof value.ref === "string") {
      ref = value.ref;
    }
  }
  const tenants = update.config[KEY.tenants];
  if (tenants === undefined || tenants.secret) return {};
  return Object.fromEntries(
    tenantsOf({ [KEY.tenants]: fromRecorded(tenants) }).map((t) => [t.id, t.image ?? ref]),
  );
}

/** One update as a release: who, what, from where, and the image each tenant ran after it. */
export interface Release {
  readonly update: UpdateRecord;
  readonly facts: ReleaseFacts;
  readonly commit?: { readonly sha: string; readonly dirty: boolean };
  /**
   * The image each of the update's tenants ran when it ended; a tenant maps to undefined when
   * that is not recorded (an update run outside ops, or a build nothing ran after yet).
   */
  readonly images: Readonly<Record<string, string | undefined>>;
  /** Where `images` comes from. */
  readonly imagesFrom: "next-update" | "outputs" | "message" | "config" | "none";
}

/**
 * The images each update left running, as the update right after it recorded them (`before=vK`):
 * only an entry of kind `update` carries a record ops wrote (deploy and rollback), and only the
 * first update after vK started from vK's result. A `before=` on a refresh, an import or any
 * other update, whatever its message claims, is ignored.
 */
function observedAfter(
  history: readonly UpdateRecord[],
  facts: ReadonlyMap<number, ReleaseFacts>,
): Map<number, ImageSet> {
  const updates = history.filter((u) => u.kind === "update").sort((a, b) => a.version - b.version);
  const observed = new Map<number, ImageSet>();
  updates.forEach((update, i) => {
    const next = updates[i + 1];
    const before = next === undefined ? undefined : facts.get(next.version)?.before;
    if (before?.version === update.version) observed.set(update.version, before.images);
  });
  return observed;
}

/**
 * Every update of `history` (newest first) as a release. An update's images are what the update
 * right after it recorded finding (its `before=`, read only from that one update: never from a
 * refresh or a later update), else, for the newest successful update, `current` (the images each
 * tenant runs now: the stack's state and `tenants` output), else its own message, else its
 * recorded config. The next update's record comes first because a failed update after the newest
 * success may have left some of its own images in the state.
 */
export function releasesOf(history: readonly UpdateRecord[], current: TenantImages): Release[] {
  const facts = new Map(history.map((u) => [u.version, releaseOf(u)]));
  const observed = observedAfter(history, facts);
  // A failed update leaves the outputs of the last one that succeeded.
  const newest = history.find((u) => u.kind === "update" && u.result === "succeeded");
  return history.map((update) => {
    const recorded = facts.get(update.version) ?? parseRelease("");
    const ids = recordedTenantIds(update);
    let images: Record<string, string | undefined> = Object.fromEntries(
      ids.map((id) => [id, undefined]),
    );
    let imagesFrom: Release["imagesFrom"] = "none";
    const after = observed.get(update.version);
    if (update.kind !== "update") {
      images = {};
    } else if (after !== undefined) {
      // What the update right after it found running: for the newest success followed by a
      // failed update, the state (`current`) may already hold some of the failed update's images.
      images = expandImages(after, ids);
      imagesFrom = "next-update";
    } else if (update === newest && Object.keys(current).length > 0) {
      images = Object.fromEntries(ids.map((id) => [id, current[id]]));
      imagesFrom = "outputs";
    } else if (recorded.images !== undefined) {
      images = expandImages(recorded.images, ids);
      imagesFrom = "message";
    } else {
      const configured = configuredImages(update);
      if (Object.values(configured).some((ref) => ref !== undefined)) {
        images = configured;
        imagesFrom = "config";
      }
    }
    const commit = commitOf(update);
    return {
      update,
      facts: recorded,
      commit: commit === undefined ? undefined : { sha: commit.sha, dirty: commit.dirty },
      images,
      imagesFrom,
    };
  });
}

/** The digest part of each image, for display. */
export function digestsOf(
  images: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(images).map(([id, ref]) => [
      id,
      ref === undefined ? undefined : (digestOf(ref) ?? ref),
    ]),
  );
}

/** Who runs the update: CI's actor, else the git user, else the login name. */
export function actorOf(
  env: Readonly<Record<string, string | undefined>>,
  gitUser: string | undefined,
): string | undefined {
  const ciActor =
    env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? env.BUILDKITE_BUILD_CREATOR ?? env.CIRCLE_USERNAME;
  if (ciActor !== undefined && ciActor !== "") return ciActor;
  if (gitUser !== undefined && gitUser !== "") return gitUser;
  const login = env.USER ?? env.LOGNAME;
  return login === undefined || login === "" ? undefined : login;
}

const RELEASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Throws unless `name` can name a release: not a version, not taken by an earlier update. */
export function checkReleaseName(
  name: string,
  history: readonly UpdateRecord[],
  stack: string,
): string | undefined {
  if (!RELEASE_NAME.test(name) || /^v?\d+$/.test(name)) {
    return `--release "${name}": must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit, and not a version number such as 4 or v4`;
  }
  const taken = history.find((u) => releaseOf(u).name === name);
  if (taken !== undefined) {
    return `--release "${name}": update v${taken.version} of stack "${stack}" already has that name; pick another`;
  }
  return undefined;
}
