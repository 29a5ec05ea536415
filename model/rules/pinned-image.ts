/**
 * An image a deploy runs is pinned by digest ({@link DIGEST_REF}): a tag can move under a
 * running release, a digest cannot. The one check TenantApp and AppImage apply to a ref (the
 * config schema applies the same pattern to `image.ref` and `tenants[].image`).
 */
import { DIGEST_REF, DIGEST_REF_RULE } from "../patterns";

/** The problem with a ref that is not pinned by digest, or undefined when it is. */
export function unpinnedImageProblem(ref: string): string | undefined {
  return DIGEST_REF.test(ref) ? undefined : DIGEST_REF_RULE;
}
