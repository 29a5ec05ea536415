import { describe, expect, it } from "vitest";
import { excludesDirectory, parseDockerignore } from "../../components/image/dockerignore";

describe("excludesDirectory", () => {
  // [.dockerignore text, directory (context-relative), whether Docker sends nothing from it]
  it.each([
    // No .dockerignore, or one that says nothing about the directory: Docker sends it.
    ["", ".git", false],
    ["# .git\n\n", ".git", false],
    ["dist\n*.log", "node_modules", false],
    // The plain forms, with or without slashes.
    [".git", ".git", true],
    [".git/", ".git", true],
    ["/.git", ".git", true],
    ["./.git", ".git", true],
    ["  .git  \r", ".git", true],
    ["\uFEFF.git", ".git", true],
    ["**/.git", ".git", true],
    ["**/.git", "packages/app/.git", true],
    ["node_modules", "node_modules", true],
    ["**/node_modules", "node_modules", true],
    ["**/node_modules/", "packages/app/node_modules", true],
    ["*/node_modules", "app/node_modules", true],
    ["node_modules/**", "node_modules", true],
    ["**/node_modules/**", "app/node_modules", true],
    ["packages/**/node_modules", "packages/node_modules", true],
    ["packages/**/node_modules", "packages/a/b/node_modules", true],
    ["packages/**/node_modules", "node_modules", false],
    // Paths are anchored at the context root: no implicit **/ in front.
    ["node_modules", "app/node_modules", false],
    [".git", "vendor/lib/.git", false],
    ["*/node_modules", "node_modules", false],
    ["*/node_modules", "packages/app/node_modules", false],
    // A directory above it, or everything.
    ["*", ".git", true],
    ["*\n!server.mjs\n!Dockerfile", ".git", true],
    ["*\n!server.mjs", "app/node_modules", true],
    ["packages", "packages/app/node_modules", true],
    ["**", "node_modules", true],
    // Comments start a line; a # further in is part of a name.
    ["# .git", ".git", false],
    [" # .git", ".git", false],
    ["#.git\nnode_modules", "node_modules", true],
    // ! re-includes: the directory, a directory above it, or anything below it.
    [".git\n!.git", ".git", false],
    [".git\n!.git/HEAD", ".git", false],
    ["node_modules\n! node_modules/x/keep.txt", "node_modules", false],
    ["node_modules\n!**/*.json", "node_modules", false],
    ["node_modules\n!*/package.json", "node_modules", false],
    ["**/node_modules\n!packages", "packages/app/node_modules", false],
    [".git\n!**/hooks", ".git", false],
    [".git\n!.git/**", ".git", false],
    // ...and the last matching line wins.
    ["!.git\n.git", ".git", true],
    [".git\n!.git\n.git/", ".git", true],
    // A ! line that cannot reach the directory changes nothing.
    [".git\n!*.md", ".git", true],
    [".git\n!docs/**", ".git", true],
    ["node_modules\n!node_modules.txt", "node_modules", true],
    // Globs within a name.
    [".gi?", ".git", true],
    ["node_*", "node_modules", true],
    ["\\.git", ".git", true],
    // Forms read only roughly: they exclude nothing, and as ! lines may re-include anything.
    ["[.]git", ".git", false],
    ["node**", "node_modules", false],
    [".git\n![a-z]*", ".git", false],
    // Outside the context.
    ["../.git", ".git", false],
    ["/../.git", ".git", true],
  ])("%j excludes %s: %s", (text, dir, expected) => {
    expect(excludesDirectory(parseDockerignore(text), dir)).toBe(expected);
  });
});

describe("parseDockerignore", () => {
  it("keeps each pattern in order, dropping comments and blank lines", () => {
    const patterns = parseDockerignore("# deps\nnode_modules/\n\n!node_modules/keep\n  \n.git\n");
    expect(patterns.map((p) => p.negated)).toEqual([false, true, false]);
    expect(patterns.map((p) => (p.segments === "unreadable" ? 0 : p.segments.length))).toEqual([
      1, 2, 1,
    ]);
  });
});
