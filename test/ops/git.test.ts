import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDir } from "../../ops/adapters/backup-files";
import { Git } from "../../ops/adapters/git";
import { initRepo } from "./support/git-repo";

/** A throwaway repository with two commits; the project lives in `infra/`. */
async function makeRepo(): Promise<{ root: string; first: string; second: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "ops-git-"));
  const git = initRepo(root);
  await mkdir(path.join(root, "infra"));
  await writeFile(path.join(root, "infra", "index.js"), "// v1\n");
  git("add", ".");
  git("commit", "-q", "-m", "one");
  const first = git("rev-parse", "HEAD");
  await writeFile(path.join(root, "infra", "index.js"), "// v2\n");
  git("commit", "-q", "-am", "two");
  return { root, first, second: git("rev-parse", "HEAD") };
}

describe("Git", () => {
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  beforeAll(async () => {
    repo = await makeRepo();
  });
  afterAll(async () => {
    await rm(repo.root, { recursive: true, force: true });
  });

  it("reports HEAD and whether the work tree is dirty", async () => {
    const git = new Git(path.join(repo.root, "infra"));
    expect(await git.state()).toEqual({ commit: repo.second, dirty: false, user: "ops test" });
    await writeFile(path.join(repo.root, "infra", "new.js"), "");
    expect(await git.state()).toEqual({ commit: repo.second, dirty: true, user: "ops test" });
    await rm(path.join(repo.root, "infra", "new.js"));
  });

  it("counts no dump `db backup` writes where it writes by default: the project's .gitignore lists the folder", async () => {
    // The project's own .gitignore, committed at the root of a project folder.
    const project = path.join(repo.root, "infra");
    const ignore = await readFile(path.join(__dirname, "..", "..", ".gitignore"), "utf8");
    await writeFile(path.join(project, ".gitignore"), ignore);
    const git = new Git(project);
    await git.run(["add", ".gitignore"]);
    await git.run(["commit", "-q", "-m", "ignore"]);
    const head = await git.run(["rev-parse", "HEAD"]);
    const dump = path.join(project, backupDir("dev", "acme"), "acme-20261203T031700Z.dump");
    await mkdir(path.dirname(dump), { recursive: true });
    await writeFile(dump, "PGDMP");
    expect(await git.state()).toEqual({ commit: head, dirty: false, user: "ops test" });
    await rm(path.join(project, "backups"), { recursive: true });
  });

  it("knows which commits exist", async () => {
    const git = new Git(repo.root);
    expect(await git.hasCommit(repo.first)).toBe(true);
    expect(await git.hasCommit(repo.first.slice(0, 12))).toBe(true);
    expect(await git.hasCommit("f".repeat(40))).toBe(false);
    expect(await git.hasCommit("--help")).toBe(false);
  });

  it("reads commits' titles as Pulumi takes one for an update's message: trimmed, up to the first line break", async () => {
    const git = new Git(repo.root);
    const commit = async (...args: string[]) => {
      await git.run(["commit", "-q", "--allow-empty", ...args]);
      return git.run(["rev-parse", "HEAD"]);
    };
    const twoLines = await commit("-m", "Fix typos release=v9\nbefore=v1", "-m", "body");
    const indented = await commit("--cleanup=verbatim", "-m", "\n  release=v9 before=v1\n");
    const empty = await commit("--allow-empty-message", "-m", "");
    // Go's TrimSpace takes U+0085 as space and U+FEFF not; JavaScript's trim the other way round.
    const nextLine = await commit("--cleanup=verbatim", "-m", "\u0085release=v9 before=v1");
    const bom = await commit("--cleanup=verbatim", "-m", "\ufeffrelease=v9");
    const tree = await git.run(["rev-parse", "HEAD^{tree}"]);
    const titles = await git.commitTitles([
      repo.first,
      twoLines,
      indented,
      empty,
      nextLine,
      bom,
      twoLines,
      "f".repeat(40),
      tree,
      "HEAD",
    ]);
    expect(Object.fromEntries(titles)).toEqual({
      [repo.first]: "one",
      [twoLines]: "Fix typos release=v9",
      [indented]: "release=v9 before=v1",
      [empty]: "",
      [nextLine]: "release=v9 before=v1",
      [bom]: "\ufeffrelease=v9",
    });
    expect(await git.commitTitles([])).toEqual(new Map());
    // No repository: no commit is here.
    const outside = await mkdtemp(path.join(os.tmpdir(), "ops-no-git-"));
    expect(await new Git(outside).commitTitles([repo.first])).toEqual(new Map());
    await rm(outside, { recursive: true });
  });

  it("reads a project file as of a commit, from the project folder", async () => {
    const git = new Git(path.join(repo.root, "infra"));
    expect(await git.fileAt(repo.first, "index.js")).toBe("// v1");
    expect(await git.fileAt(repo.first, "missing.js")).toBeUndefined();
  });

  it("gives the project's prefix inside the repository", async () => {
    expect(await new Git(path.join(repo.root, "infra")).prefix()).toBe("infra/");
    expect(await new Git(repo.root).prefix()).toBe("");
  });

  it("checks an earlier commit out in a worktree and removes it", async () => {
    const git = new Git(repo.root);
    const tree = path.join(await mkdtemp(path.join(os.tmpdir(), "ops-tree-")), "tree");
    await git.addWorktree(tree, repo.first);
    expect(await readFile(path.join(tree, "infra", "index.js"), "utf8")).toBe("// v1\n");
    expect(await new Git(tree).state()).toEqual({
      commit: repo.first,
      dirty: false,
      user: "ops test",
    });
    await git.removeWorktree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(await readFile(path.join(repo.root, "infra", "index.js"), "utf8")).toBe("// v2\n");
  });

  it("reports outside a repository as no commit", async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), "ops-nogit-"));
    expect(await new Git(outside).state()).toEqual({ dirty: false });
    await rm(outside, { recursive: true, force: true });
  });
});
