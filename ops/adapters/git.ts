/** The few git operations releases need: HEAD and dirtiness, commit lookup, worktrees. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GitState } from "../engine";

const exec = promisify(execFile);

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
    if (!/^[0-9a-f]{7,40}$/.test(sha)) return false;
    try {
      await this.run(["cat-file", "-e", `${sha}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The title of commit `sha` as Pulumi takes it for an update's default message: its message
   * up to the first line break. Undefined when the commit is not here.
   */
  async commitTitle(sha: string): Promise<string | undefined> {
    if (!(await this.hasCommit(sha))) return undefined;
    const raw = await this.run(["cat-file", "commit", sha]);
    const blank = raw.indexOf("\n\n");
    return blank < 0 ? "" : raw.slice(blank + 2).split(/[\r\n]/)[0];
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
