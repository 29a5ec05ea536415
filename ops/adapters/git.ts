/** The few git operations releases need: HEAD and dirtiness, commit lookup, worktrees. */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { GitState } from "../engine";
import { SHA } from "../plans/update-meta";

const exec = promisify(execFile);

/** What Go's `unicode.IsSpace` takes as space, which Pulumi's `strings.TrimSpace` trims (no U+FEFF). */
const GO_SPACE =
  "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "g");

/** `strings.TrimSpace` as Pulumi runs it on a commit's message. */
const goTrimSpace = (text: string) => text.replace(GO_TRIM, "");

/** Runs git in one folder (the project, or a worktree). */
export class Git {
  constructor(readonly cwd: string) {}

  /** Runs git and returns its trimmed stdout; throws with git's stderr on failure. */
  async run(args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await exec("git", [...args], { cwd: this.cwd, maxBuffer: 16 << 20 });
      return stdout.trim();
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      throw new Error(`git ${args.join(" ")}: ${(failure.stderr ?? "").trim() || failure.message}`);
    }
  }

  /** HEAD and whether tracked or untracked (not ignored) files differ from it. */
  async state(): Promise<GitState> {
    let commit: string;
    try {
      commit = await this.run(["rev-parse", "--verify", "HEAD"]);
    } catch {
      return { dirty: false };
    }
    const status = await this.run(["status", "--porcelain"]);
    const user = await this.run(["config", "user.name"]).catch(() => "");
    return { commit, dirty: status !== "", ...(user === "" ? {} : { user }) };
  }

  async hasCommit(sha: string): Promise<boolean> {
    if (!SHA.test(sha)) return false;
    try {
      await this.run(["cat-file", "-e", `${sha}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The titles of the commits `shas` names that are here, as Pulumi takes one for an update's
   * default message: the message, trimmed, up to its first line break (`""` for an empty
   * message, for which Pulumi records the CI system's commit message instead). One `git cat-file
   * --batch` for them all; names that are not a commit here, or not a sha, are left out, and so
   * is every name when git cannot read a repository here (none, or no git).
   */
  async commitTitles(shas: readonly string[]): Promise<Map<string, string>> {
    const names = [...new Set(shas)].filter((sha) => SHA.test(sha));
    const titles = new Map<string, string>();
    if (names.length === 0) return titles;
    const output = await this.batch(names).catch(() => undefined);
    if (output === undefined) return titles;
    let at = 0;
    for (const name of names) {
      const headerEnd = output.indexOf(0x0a, at);
      const [, type, size] = output.toString("utf8", at, headerEnd).split(" ");
      at = headerEnd + 1;
      if (size === undefined) continue; // `<name> missing` (or ambiguous)
      const body = output.toString("utf8", at, at + Number(size));
      at += Number(size) + 1;
      if (type !== "commit") continue;
      const blank = body.indexOf("\n\n");
      const message = blank < 0 ? "" : goTrimSpace(body.slice(blank + 2));
      titles.set(name, message.split(/[\r\n]/)[0] ?? "");
    }
    return titles;
  }

  /** `git cat-file --batch` of `names`, one a line: its whole output. */
  private batch(names: readonly string[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn("git", ["cat-file", "--batch"], { cwd: this.cwd });
      const chunks: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      // git gone before reading it all (no repository): its exit says why.
      child.stdin.on("error", () => undefined);
      child.on("close", (code) =>
        code === 0
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`git cat-file --batch: ${stderr.trim() || `exit ${code}`}`)),
      );
      child.stdin.end(`${names.join("\n")}\n`);
    });
  }

  /**
   * The text of `file` (relative to the project folder, `cwd`) at commit `sha`; undefined when
   * the commit has no such file.
   */
  async fileAt(sha: string, file: string): Promise<string | undefined> {
    const prefix = await this.prefix();
    return this.run(["show", `${sha}:${prefix}${file}`]).catch(() => undefined);
  }

  /** The full sha a (possibly short) commit name stands for. */
  async resolveCommit(sha: string): Promise<string> {
    return this.run(["rev-parse", "--verify", `${sha}^{commit}`]);
  }

  /** Path of `cwd` inside the repository (`""` at the top, else ending in `/`). */
  async prefix(): Promise<string> {
    return this.run(["rev-parse", "--show-prefix"]);
  }

  /** The repository's top-level folder. */
  async topLevel(): Promise<string> {
    return this.run(["rev-parse", "--show-toplevel"]);
  }

  /** Checks `commit` out, detached, in a new worktree at `dir`. */
  async addWorktree(dir: string, commit: string): Promise<void> {
    await this.run(["worktree", "add", "--detach", dir, commit]);
  }

  async removeWorktree(dir: string): Promise<void> {
    await this.run(["worktree", "remove", "--force", dir]);
  }
}
