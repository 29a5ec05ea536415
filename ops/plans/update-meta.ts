/**
 * What an update recorded about itself: the commit it ran from and the image it deployed.
 *
 * Pulumi records `git.head` and `git.dirty` in an update's environment when it runs inside a git
 * work tree. Where that is missing (a work tree the CLI could not read, such as some git
 * worktrees), the message the ops tool wrote carries the same facts as `key=value` tokens.
 */
import type { UpdateRecord } from "../engine";
import { KEY } from "../stack-config";

/** The commit an update ran from. */
export interface UpdateCommit {
  readonly sha: string;
  /** The work tree had uncommitted changes: the program that ran is not exactly `sha`. */
  readonly dirty: boolean;
  readonly from: "environment" | "message";
}

const SHA = /^[0-9a-f]{7,40}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `key=value` tokens of a message (values never contain spaces). */
export function messageTokens(message: string): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const word of message.split(/\s+/)) {
    const at = word.indexOf("=");
    if (at > 0) tokens.set(word.slice(0, at), word.slice(at + 1));
  }
  return tokens;
}

/** The commit recorded with an update: `git.head`/`git.dirty`, else the message's `commit=` token. */
export function commitOf(
  update: Pick<UpdateRecord, "environment" | "message">,
): UpdateCommit | undefined {
  const head = update.environment["git.head"];
  if (head !== undefined && SHA.test(head)) {
    return { sha: head, dirty: update.environment["git.dirty"] === "true", from: "environment" };
  }
  const tokens = messageTokens(update.message);
  const sha = tokens.get("commit");
  if (sha !== undefined && SHA.test(sha)) {
    return { sha, dirty: tokens.get("dirty") === "true", from: "message" };
  }
  return undefined;
}

/** `sha256:<hex>` of a digest-pinned image reference, or undefined when it is not pinned. */
export function digestOf(ref: string): string | undefined {
  const at = ref.lastIndexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : ref;
  return DIGEST.test(digest) ? digest : undefined;
}

/** `ref` of the `agent-cloud:image` config recorded with an update, if it was pinned. */
function configuredImageDigest(update: Pick<UpdateRecord, "config">): string | undefined {
  const text = update.config[KEY.image]?.value;
  if (text === undefined) return undefined;
  try {
    const image = JSON.parse(text) as { ref?: unknown };
    return typeof image.ref === "string" ? digestOf(image.ref) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The image digest an update deployed: the pinned `image.ref` in its recorded config, else the
 * `image=sha256:...` token of its message, else `fallbackRef` (the current `imageRef` output, which
 * only describes the latest successful update).
 */
export function imageDigestOf(
  update: Pick<UpdateRecord, "config" | "message">,
  fallbackRef?: string,
): string | undefined {
  const configured = configuredImageDigest(update);
  if (configured !== undefined) return configured;
  const token = messageTokens(update.message).get("image");
  if (token !== undefined && DIGEST.test(token)) return token;
  return fallbackRef === undefined ? undefined : digestOf(fallbackRef);
}

/** What a deploy or rollback records in its message besides the action. */
export interface MessageFacts {
  readonly commit?: string;
  readonly dirty?: boolean;
  /** Image reference or digest known before the update runs. */
  readonly image?: string;
  readonly groups?: readonly string[];
  readonly tag?: string;
  readonly rebuild?: boolean;
}

/**
 * An update message: the action, then tokens history can read back, e.g.
 * `deploy commit=3f2a... image=sha256:... groups=beta`.
 */
export function updateMessage(action: string, facts: MessageFacts): string {
  const words = [action];
  if (facts.commit !== undefined) words.push(`commit=${facts.commit}`);
  if (facts.dirty) words.push("dirty=true");
  const digest = facts.image === undefined ? undefined : digestOf(facts.image);
  if (digest !== undefined) words.push(`image=${digest}`);
  if (facts.groups !== undefined && facts.groups.length > 0) {
    words.push(`groups=${facts.groups.join(",")}`);
  }
  if (facts.tag !== undefined) words.push(`tag=${facts.tag}`);
  if (facts.rebuild) words.push("rebuild=true");
  return words.join(" ");
}
