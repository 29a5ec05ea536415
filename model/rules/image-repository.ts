/**
 * The repository an image build pushes to: the one rule AppImage (components/image/app-image.ts)
 * and the config validation (stacks/config/rules/image.ts) apply to `image.repository`, so
 * `npm run check-config` refuses what `pulumi preview` would.
 */
import type { ConfigProblem } from "./config-problem";

const REPOSITORY = /^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?$/;

/** A problem when `repository` is not a repository a build can push to; empty when it is. */
export function imageRepositoryProblems(repository: string): ConfigProblem[] {
  if (REPOSITORY.test(repository) && !repository.includes("@")) return [];
  return [
    {
      path: "image.repository",
      received: repository,
      message: "must be a lowercase repository such as ghcr.io/acme/agent, without tag or digest",
    },
  ];
}
