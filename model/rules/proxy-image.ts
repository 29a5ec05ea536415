/**
 * The proxy's image: pinned by a version tag or a digest (model/rules/pinned-image.ts), and not
 * one of the official nginx images' `-slim` variants, which leave out the njs module the edge
 * loads to refuse a tenant's interim answer (components/edge/nginx/interim-answers.ts). The one
 * rule the config validation (stacks/config) and the ManagementProxy component both apply
 * (production's policy further requires a digest). Pure.
 */
import { versionPinnedImageProblem } from "./pinned-image";

/** An example of what the field takes. */
const EXAMPLE = "nginx:1.27.5-alpine";

/** What is wrong with `image` (unpinned, `latest` without a digest, a `-slim` tag), or undefined. */
export function proxyImageProblem(image: string): string | undefined {
  const unpinned = versionPinnedImageProblem(image, EXAMPLE);
  if (unpinned !== undefined) return unpinned;
  const tag = /:([^/@]+)(?:@|$)/.exec(image.slice(image.lastIndexOf("/") + 1))?.[1];
  return tag !== undefined && /(?:^|-)slim(?:-|$)/.test(tag)
    ? `must have nginx's njs module (ngx_http_js_module.so under /usr/lib/nginx/modules), which a -slim image leaves out, e.g. ${EXAMPLE}`
    : undefined;
}
