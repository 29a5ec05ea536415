/**
 * The packages a rollback worktree's program runs with: its commit's own locked dependencies.
 * They go beside the worktree (a `node_modules` in its parent folder, which Node's module
 * resolution reaches by walking up), never inside it, so `git status` there stays empty and Pulumi
 * records the rollback's update as run from a clean tree at its commit.
 */

/** Where a rollback's packages come from. */
export type DependencySource =
  /** A symlink to the project's node_modules: the commit locks what the project does, or nothing. */
  | { readonly kind: "link"; readonly reason: "same-lockfile" | "no-lockfile" }
  /** `npm ci` of the commit's package-lock.json. */
  | { readonly kind: "install"; readonly reason: "lockfile-differs" | "no-project-modules" }
  /** Nothing to link or install: the commit has no lockfile and the project no node_modules. */
  | { readonly kind: "none" };

/** What {@link dependencySource} decides from. */
export interface DependencyFacts {
  /** The commit's package-lock.json text; undefined when the commit has none. */
  readonly commitLock?: string;
  /** The project's package-lock.json text now; undefined when it has none. */
  readonly projectLock?: string;
  /** Whether the project has a node_modules folder. */
  readonly projectHasModules: boolean;
}

/**
 * Link the project's node_modules only when the commit's lockfile is the project's, byte for
 * byte (fast, and the same packages); install the commit's lockfile whenever it differs, since
 * provider versions follow the installed SDKs; link today's when the commit locks nothing.
 */
export function dependencySource(facts: DependencyFacts): DependencySource {
  if (facts.commitLock === undefined) {
    return facts.projectHasModules ? { kind: "link", reason: "no-lockfile" } : { kind: "none" };
  }
  if (facts.commitLock !== facts.projectLock)
    return { kind: "install", reason: "lockfile-differs" };
  return facts.projectHasModules
    ? { kind: "link", reason: "same-lockfile" }
    : { kind: "install", reason: "no-project-modules" };
}

/** The one line a rollback prints about its packages (`commit` is a full or short sha). */
export function dependencyLine(commit: string, source: DependencySource): string {
  const sha = commit.slice(0, 12);
  switch (source.kind) {
    case "install":
      return source.reason === "lockfile-differs"
        ? `packages: commit ${sha}'s package-lock.json differs from the project's; installing its locked packages (npm ci)\n`
        : `packages: the project has no node_modules; installing commit ${sha}'s locked packages (npm ci)\n`;
    case "link":
      return source.reason === "same-lockfile"
        ? `packages: commit ${sha}'s package-lock.json is the project's; using the project's node_modules\n`
        : `packages: commit ${sha} has no package-lock.json; using the project's node_modules, whose versions may differ from what it ran\n`;
    case "none":
      return `packages: commit ${sha} has no package-lock.json and the project has no node_modules; none installed\n`;
  }
}

/**
 * `npm ci` arguments for a worktree's project folder `dir`: `--prefix` pins the install to it
 * (npm never walks up to another node_modules, such as the project's own); no lifecycle scripts
 * (the project's prepare/postinstall, providers' plugin downloads: Pulumi fetches plugins it
 * lacks); no audit or funding requests; dev dependencies included, as the project's install has
 * them (TypeScript for the program), whatever NODE_ENV or `omit` say.
 */
export function npmCiArgs(dir: string): string[] {
  return ["ci", "--prefix", dir, "--ignore-scripts", "--no-audit", "--no-fund", "--include=dev"];
}
