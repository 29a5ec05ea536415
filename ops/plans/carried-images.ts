/**
 * Images carried from one stack to another (`promote`, `deploy --image-from`) run only if the
 * target's cluster can pull them: they must be in the repository the target pulls from (its
 * image.ref's, else its image.repository). Another repository, such as the local stack's
 * `localhost:5001` registry, is one the target has no credentials for or cannot reach at all,
 * and its pods would never start.
 */
import type { StackConfig } from "../engine";
import { OpsError } from "../errors";
import { repositoryOfRef } from "../../model/patterns";
import { pullRepositoryOf } from "../stack-config";

export interface CarriedImages {
  /** The command, as its errors start: `promote`, `--image-from dev`. */
  readonly what: string;
  readonly from: string;
  readonly to: string;
  /** The target's config (a shard's with its platform's image settings). */
  readonly target: StackConfig;
  /** Every image reference carried. */
  readonly refs: readonly string[];
}

/** Refuses images outside the target's repository, naming each; nothing to check without one. */
export function assertPullable(carried: CarriedImages): void {
  const repository = pullRepositoryOf(carried.target);
  if (repository === undefined) return;
  const foreign = [...new Set(carried.refs)].filter((ref) => repositoryOfRef(ref) !== repository);
  if (foreign.length === 0) return;
  throw new OpsError(
    `${carried.what}: stack "${carried.to}" pulls its images from ${repository}, and stack "${carried.from}" ran ${foreign.join(", ")} from another repository; carry images only between stacks that use the same one`,
  );
}
