/**
 * Images carried from one stack to another (`promote`, `deploy --image-from`) run only if the
 * target's cluster can pull them: they must be on a registry the target pulls from (the host of
 * its image.repository or of its image.ref), the one its pull credentials are for. Another
 * registry, such as the local stack's `localhost:5001`, is one the target has no credentials for
 * or cannot reach at all, and its pods would never start. Repositories are not compared: a
 * tenant's own image in another repository on the same registry is pulled like the platform's.
 */
import type { StackConfig } from "../engine";
import { OpsError } from "../errors";
import { registryHost } from "../../model/patterns";
import { pullRegistriesOf } from "../stack-config";

export interface CarriedImages {
  /** The command, as its errors start: `promote`, `--image-from dev`. */
  readonly what: string;
  readonly from: string;
  readonly to: string;
  /** The target's config (a shard's with its platform's image settings). */
  readonly target: StackConfig;
  /** Every image reference the target will run. */
  readonly refs: readonly string[];
}

/** Refuses images on a registry the target does not pull from, naming each; nothing to check without one. */
export function assertPullable(carried: CarriedImages): void {
  const registries = pullRegistriesOf(carried.target);
  if (registries.length === 0) return;
  const foreign = [...new Set(carried.refs)].filter(
    (ref) => !registries.includes(registryHost(ref)),
  );
  if (foreign.length === 0) return;
  throw new OpsError(
    `${carried.what}: stack "${carried.to}" pulls its images from ${registries.join(" and ")}, and stack "${carried.from}" ran ${foreign.join(", ")} from another registry; carry images only between stacks that pull from the same registry`,
  );
}
