/**
 * The repository an image build pushes to: the one rule AppImage (components/image/app-image.ts)
 * and the config validation (stacks/config/rules/image.ts) apply to `image.repository`, so
 * `npm run check-config` refuses what `pulumi preview` would. A lowercase subset of Docker's
 * reference grammar (distribution/reference): an optional registry host with an optional `:port`
 * (no IPv6 `[…]` host; a first part such as `my_host.com` passes as a path component, which
 * Docker would refuse as a host), then `/`-separated path components. A `:` anywhere else is a tag (`a/b:v1`), which the build would
 * turn into the invalid `a/b:v1:<tag>`; `@` starts a digest.
 */
import type { ConfigProblem } from "./config-problem";

/** `ghcr.io`, `registry-1.example.com`, `localhost:5001`. */
const HOST = String.raw`[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]+)?`;
/** `agent`, `sample-agent`, `agent_v2`, `team.tools`: alphanumeric runs joined by `.`, `_`, `__` or dashes. */
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);

/** A problem when `repository` is not a repository a build can push to; empty when it is. */
export function imageRepositoryProblems(repository: string): ConfigProblem[] {
  if (REPOSITORY.test(repository)) return [];
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
