import { execFileSync } from "node:child_process";

/** Runs git in `dir` with no user-level config, returning trimmed stdout. */
export type GitRunner = (...args: string[]) => string;

export function gitIn(dir: () => string): GitRunner {
  return (...args) =>
    execFileSync("git", args, {
      cwd: dir(),
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" },
    }).trim();
}

/** `git init` on `main` with a test identity; returns the runner for that repository. */
export function initRepo(dir: string, user = "ops test"): GitRunner {
  const git = gitIn(() => dir);
  git("init", "-q", "-b", "main");
  git("config", "user.email", "ops@test.invalid");
  git("config", "user.name", user);
  return git;
}
