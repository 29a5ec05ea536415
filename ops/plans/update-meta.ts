/**
 * What an update recorded about itself: the commit it ran from, and whether its message is ops'
 * record of it.
 *
 * Pulumi records `git.head` and `git.dirty` in an update's environment when it runs inside a git
 * work tree. Where that is missing (a work tree the CLI could not read, such as some git
 * worktrees), the message the ops tool wrote carries the same facts as `key=value` tokens.
 */
import type { UpdateRecord } from "../engine";

/** The commit an update ran from. */
export interface UpdateCommit {
  readonly sha: string;
  /** The work tree had uncommitted changes: the program that ran is not exactly `sha`. */
  readonly dirty: boolean;
  readonly from: "environment" | "message";
}

/** A full or abbreviated commit sha. */
export const SHA = /^[0-9a-f]{7,40}$/;
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

/** What ops reads of an update to tell whether its message is ops' record. */
export type RecordedUpdate = Pick<UpdateRecord, "environment" | "message" | "commitTitle">;

/**
 * An update's message as ops' record of it: the message, except where Pulumi wrote the commit's
 * title as the message (none given), so whatever the commit's author wrote, whose tokens could
 * name any image, version or release: an update the Pulumi CLI ran by hand (`exec.kind` `cli`;
 * ops runs every update through the Automation API, `auto.local`), and one any other Automation
 * API tool ran (GitHub's pulumi/actions, Pulumi Deployments) whose message is its commit's title,
 * or, in CI, whose commit has an empty message. Such an update reads as having no record (an
 * empty message); its `git.head` and recorded config still count. Where the commit is not here,
 * the message is read as ops' record: the two cannot be told apart.
 */
export function opsMessage(update: RecordedUpdate): string {
  // An empty title in CI: with no message given, Pulumi records the CI system's commit message,
  // which ops cannot read (ops always gives one; outside CI an empty title leaves none).
  const ciMessage = update.commitTitle === "" && update.environment["ci.system"] !== undefined;
  const titled =
    update.commitTitle !== undefined && (ciMessage || update.message === update.commitTitle);
  return update.environment["exec.kind"] === "cli" || titled ? "" : update.message;
}

/** The commit recorded with an update: `git.head`/`git.dirty`, else the message's `commit=` token. */
export function commitOf(update: RecordedUpdate): UpdateCommit | undefined {
  const head = update.environment["git.head"];
  if (head !== undefined && SHA.test(head)) {
    return { sha: head, dirty: update.environment["git.dirty"] === "true", from: "environment" };
  }
  const tokens = messageTokens(opsMessage(update));
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
