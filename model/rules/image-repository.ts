/**
 * The repository an image build pushes to: the one rule AppImage (components/image/app-image.ts)
 * and the config validation (stacks/config/rules/image.ts) apply to `image.repository`, so
 * `npm run check-config` refuses what `pulumi preview` would. The grammar is model/patterns.ts's
 * (no IPv6 `[…]` host; a first part such as `my_host.com` passes as a path component, which
 * Docker would refuse as a host). A `:` other than a host's port is a tag (`a/b:v1`), which the
 * build would turn into the invalid `a/b:v1:<tag>`; `@` starts a digest.
 */
import { IMAGE_REPOSITORY } from "../patterns";
import type { ConfigProblem } from "./config-problem";

/** A problem when `repository` is not a repository a build can push to; empty when it is. */
export function imageRepositoryProblems(repository: string): ConfigProblem[] {
  if (IMAGE_REPOSITORY.test(repository)) return [];
  return [
    {
      path: "image.repository",
      received: repository,
      message:
        "must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, " +
        "with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)",
    },
  ];
}
