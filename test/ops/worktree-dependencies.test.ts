/** Which packages a rollback worktree runs with, and the line saying so. */
import { describe, expect, it } from "vitest";
import {
  type DependencyFacts,
  type DependencySource,
  dependencyLine,
  dependencySource,
  npmCiArgs,
} from "../../ops/adapters/worktree-dependencies";

const SHA = "a388795f77d7f07fa4fee7e444b7534f69c5a990";
const V1 = '{ "k8s": "4.18.0" }\n';
const NOW = '{ "k8s": "4.23.0" }\n';

describe("dependencySource", () => {
  const cases: [string, DependencyFacts, DependencySource][] = [
    [
      "lockfile differs",
      { commitLock: V1, projectLock: NOW, projectHasModules: true },
      { kind: "install", reason: "lockfile-differs" },
    ],
    [
      "project has no lockfile",
      { commitLock: V1, projectHasModules: true },
      { kind: "install", reason: "lockfile-differs" },
    ],
    [
      "same lockfile",
      { commitLock: NOW, projectLock: NOW, projectHasModules: true },
      { kind: "link", reason: "same-lockfile" },
    ],
    [
      "same lockfile, nothing installed",
      { commitLock: NOW, projectLock: NOW, projectHasModules: false },
      { kind: "install", reason: "no-project-modules" },
    ],
    [
      "a byte differs",
      { commitLock: NOW, projectLock: NOW.trim(), projectHasModules: true },
      { kind: "install", reason: "lockfile-differs" },
    ],
    [
      "commit locks nothing",
      { projectLock: NOW, projectHasModules: true },
      { kind: "link", reason: "no-lockfile" },
    ],
    ["commit locks nothing, nothing installed", { projectHasModules: false }, { kind: "none" }],
  ];
  it.each(cases)("%s", (_name, facts, expected) => {
    expect(dependencySource(facts)).toEqual(expected);
  });
});

describe("dependencyLine", () => {
  const cases: [DependencySource, string][] = [
    [
      { kind: "install", reason: "lockfile-differs" },
      "packages: commit a388795f77d7's package-lock.json differs from the project's; installing its locked packages (npm ci)\n",
    ],
    [
      { kind: "install", reason: "no-project-modules" },
      "packages: the project has no node_modules; installing commit a388795f77d7's locked packages (npm ci)\n",
    ],
    [
      { kind: "link", reason: "same-lockfile" },
      "packages: commit a388795f77d7's package-lock.json is the project's; using the project's node_modules\n",
    ],
    [
      { kind: "link", reason: "no-lockfile" },
      "packages: commit a388795f77d7 has no package-lock.json; using the project's node_modules, whose versions may differ from what it ran\n",
    ],
    [
      { kind: "none" },
      "packages: commit a388795f77d7 has no package-lock.json and the project has no node_modules; none installed\n",
    ],
  ];
  it.each(cases)("%j", (source, line) => {
    expect(dependencyLine(SHA, source)).toBe(line);
  });
});

describe("npmCiArgs", () => {
  it("pins the install to the folder, runs no scripts or audit, includes dev dependencies", () => {
    expect(npmCiArgs("/tmp/r/tree")).toEqual([
      "ci",
      "--prefix",
      "/tmp/r/tree",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--include=dev",
    ]);
  });
});
