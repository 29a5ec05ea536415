/**
 * Pure plan of a promotion: what moves from the source stack's tested state into the target's
 * config file. Only the image digest (`agent-cloud:image` `ref`), tenants' `agentConfig` and
 * per-tenant `image` move; secrets, keys, database and DNS settings never do, and nothing that
 * holds an encrypted value is copied (ciphertext belongs to one stack's key).
 */
import { DIGEST_REF, DIGEST_REF_RULE } from "../../model/patterns";
import { SET_SECRET_COMMAND } from "../../stacks/config/rules/clear-text-secrets";
import type { ConfigChange, StackConfig } from "../engine";
import { OpsError } from "../errors";
import { containsSecure, imageRefOf, KEY, type TenantEntry, tenantsOf } from "../stack-config";

/** Everything a promotion plan is computed from. */
export interface PromotionInput {
  readonly from: string;
  readonly to: string;
  /**
   * The source's stack image (its `imageRef` output, read by `sourceStackImage` in
   * carried-images.ts): what the target's `image.ref` becomes, and so what its tenants without
   * `tenants[].image` run.
   */
  readonly imageRef: string;
  readonly sourceConfig: StackConfig;
  readonly targetConfig: StackConfig;
  /**
   * The target's platform stack when the target is a shard: a shard runs its platform's image
   * (its own image settings are its platform's), so its `image.ref` is not written and each
   * shared tenant is pinned to the image the source ran it on.
   */
  readonly platform?: string;
}

/** The changes to write to the target's stack file, and how to show them. */
export interface PromotionPlan {
  readonly changes: readonly ConfigChange[];
  /** The diff, one line per changed leaf: `~ path: old → new`, `+ path: new`, `- path: old`. */
  readonly diff: readonly string[];
  /** What was left alone and why. */
  readonly notes: readonly string[];
}

const show = (value: unknown) => JSON.stringify(value);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Leaf-by-leaf diff of two values under `path` (arrays compare as whole values). */
export function diffValues(path: string, before: unknown, after: unknown): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(`${path}.${k}`, before[k], after[k]));
  }
  if (show(before) === show(after)) return [];
  if (before === undefined) return [`+ ${path}: ${show(after)}`];
  if (after === undefined) return [`- ${path}: ${show(before)}`];
  return [`~ ${path}: ${show(before)} → ${show(after)}`];
}

/** The promotion's changes and diff; throws when the source image is not pinned by digest. */
export function planPromotion(input: PromotionInput): PromotionPlan {
  const { from, to, imageRef } = input;
  if (!DIGEST_REF.test(imageRef)) {
    throw new OpsError(
      `stack "${from}" exports imageRef "${imageRef}": it ${DIGEST_REF_RULE}, since only a digest can be promoted`,
    );
  }
  const changes: ConfigChange[] = [];
  const diff: string[] = [];
  const notes: string[] = [];

  const currentRef = imageRefOf(input.targetConfig);
  if (input.platform !== undefined) {
    notes.push(
      `image.ref not written: ${to} is a shard of ${input.platform} and runs its platform's image; promote to ${input.platform} to change it`,
    );
  } else if (currentRef !== imageRef) {
    changes.push({ key: KEY.image, path: ["ref"], value: imageRef });
    diff.push(...diffValues(`${KEY.image}.ref`, currentRef, imageRef));
  }

  const sourceTenants = new Map(tenantsOf(input.sourceConfig).map((t) => [t.id, t]));
  const rawTargets = input.targetConfig[KEY.tenants];
  const targetTenants: TenantEntry[] = tenantsOf(input.targetConfig);
  const targetIndex = new Map<string, number>();
  if (Array.isArray(rawTargets)) {
    rawTargets.forEach((entry: unknown, index) => {
      const id = isPlainObject(entry) ? entry.id : undefined;
      if (typeof id === "string") targetIndex.set(id, index);
    });
  }

  for (const target of targetTenants) {
    const source = sourceTenants.get(target.id);
    const index = targetIndex.get(target.id);
    if (source === undefined || index === undefined) continue;
    const at = `${KEY.tenants}[${target.id}]`;
    if (containsSecure(source.agentConfig) || containsSecure(target.agentConfig)) {
      notes.push(
        `tenant ${target.id}: agentConfig holds encrypted values, not promoted (secrets never move between stacks, and agentConfig is deployed in clear: keep them in tenantSecrets and set them in ${to} with ${SET_SECRET_COMMAND.tenantSecrets.replace("<tenant-id>", target.id)})`,
      );
    } else {
      const lines = diffValues(
        `${at}.agentConfig`,
        target.agentConfig ?? {},
        source.agentConfig ?? {},
      );
      if (lines.length > 0) {
        changes.push({
          key: KEY.tenants,
          path: [index, "agentConfig"],
          value: structuredClone(source.agentConfig ?? {}),
        });
        diff.push(...lines);
      }
    }
    // A shard's own image is its platform's, whatever that runs: pin what the source ran.
    const image = input.platform === undefined ? source.image : (source.image ?? imageRef);
    if (image !== target.image) {
      changes.push({ key: KEY.tenants, path: [index, "image"], value: image });
      diff.push(...diffValues(`${at}.image`, target.image, image));
    }
  }

  const onlySource = [...sourceTenants.keys()].filter((id) => !targetIndex.has(id));
  if (onlySource.length > 0) {
    notes.push(`not in ${to}, left out: ${onlySource.join(", ")} (add tenants to ${to} by hand)`);
  }
  notes.push(...onlyTargetNotes(input, targetTenants, sourceTenants, currentRef));
  return { changes, diff, notes };
}

/**
 * What happens to the target's tenants the source does not have: nothing is promoted to them, but
 * those without `tenants[].image` follow `image.ref`, so they move to the new one when it changes;
 * pinned ones, and every one of a shard (which runs its platform's image), keep what they run.
 */
function onlyTargetNotes(
  input: PromotionInput,
  targetTenants: readonly TenantEntry[],
  sourceTenants: ReadonlyMap<string, TenantEntry>,
  currentRef: string | undefined,
): string[] {
  const { to, imageRef } = input;
  const only = targetTenants.filter((t) => !sourceTenants.has(t.id));
  const refMoves = input.platform === undefined && currentRef !== imageRef;
  const moving = refMoves ? only.filter((t) => t.image === undefined).map((t) => t.id) : [];
  const kept = only.map((t) => t.id).filter((id) => !moving.includes(id));
  const notes: string[] = [];
  if (moving.length > 0) {
    notes.push(
      `only in ${to}, not pinned by tenants[].image, so moving with image.ref to ${imageRef} (agentConfig unchanged): ${moving.join(", ")}`,
    );
  }
  if (kept.length > 0) {
    notes.push(
      `only in ${to}, unchanged${refMoves ? " (pinned by tenants[].image)" : ""}: ${kept.join(", ")}`,
    );
  }
  return notes;
}
