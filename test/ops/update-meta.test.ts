import { describe, expect, it } from "vitest";
import { commitOf, digestOf, opsMessage } from "../../ops/plans/update-meta";
import { DIGEST_A, DIGEST_B, SHA_1, SHA_2 } from "../../testkit/ops/fakes";

describe("commitOf", () => {
  it.each([
    {
      what: "git.head from the environment",
      environment: { "git.head": SHA_1, "git.dirty": "false" },
      message: `deploy commit=${SHA_2}`,
      expected: { sha: SHA_1, dirty: false, from: "environment" },
    },
    {
      what: "a dirty work tree",
      environment: { "git.head": SHA_1, "git.dirty": "true" },
      message: "",
      expected: { sha: SHA_1, dirty: true, from: "environment" },
    },
    {
      what: "the message token when git.head is missing",
      environment: { "exec.kind": "auto.local" },
      message: `deploy commit=${SHA_2} dirty=true image=${DIGEST_A}`,
      expected: { sha: SHA_2, dirty: true, from: "message" },
    },
    {
      what: "the message token when git.head is not a sha",
      environment: { "git.head": "HEAD" },
      message: `rollback to v3 commit=${SHA_2}`,
      expected: { sha: SHA_2, dirty: false, from: "message" },
    },
    {
      what: "no message token of an update the Pulumi CLI ran by hand (its commit's title)",
      environment: { "exec.kind": "cli" },
      message: `Fix typos commit=${SHA_2}`,
      expected: undefined,
    },
    { what: "nothing recorded", environment: {}, message: "manual pulumi up", expected: undefined },
    { what: "a malformed token", environment: {}, message: "commit=zzz", expected: undefined },
  ])("reads $what", ({ environment, message, expected }) => {
    expect(commitOf({ environment: environment as Record<string, string>, message })).toEqual(
      expected,
    );
  });
});

describe("opsMessage", () => {
  it.each([
    ["auto.local", "deploy image=x", "deploy image=x"],
    ["auto.inline", "deploy image=x", "deploy image=x"],
    [undefined, "deploy image=x", "deploy image=x"],
    ["cli", "Fix typos before=v1 before.image=x", ""],
  ])("exec.kind %s: %j reads as %j", (kind, message, expected) => {
    const environment: Record<string, string> = kind === undefined ? {} : { "exec.kind": kind };
    expect(opsMessage({ environment, message })).toBe(expected);
  });

  // Another Automation API tool (pulumi/actions, Deployments) records the commit's title.
  const FORGED = "Fix typos release=v9 before=v1 before.image=ghcr.io/evil/agent:1";
  it.each([
    ["is the commit's title", FORGED, FORGED, ""],
    ["differs from the commit's title", "deploy image=x", FORGED, "deploy image=x"],
    ["has no commit at hand", FORGED, undefined, FORGED],
    ["is the title with a space more", `${FORGED} `, FORGED, `${FORGED} `],
  ])("auto.local, a message that %s", (_, message, commitTitle, expected) => {
    const environment = { "exec.kind": "auto.local", "git.head": "1".repeat(40) };
    expect(opsMessage({ environment, message, commitTitle })).toBe(expected);
  });

  it.each([
    ["in CI, where Pulumi takes the CI system's message", { "ci.system": "GitHub Actions" }, ""],
    ["outside CI, where only a given message is recorded", {}, "deploy image=x"],
  ])("reads a message from a commit with an empty message %s", (_, ci, expected) => {
    const environment = { "exec.kind": "auto.local", "git.head": "1".repeat(40), ...ci };
    expect(opsMessage({ environment, message: "deploy image=x", commitTitle: "" })).toBe(expected);
  });
});

describe("digestOf", () => {
  it.each([
    [`ghcr.io/acme/agent:1.0@${DIGEST_A}`, DIGEST_A],
    [`localhost:5000/agent@${DIGEST_B}`, DIGEST_B],
    [DIGEST_A, DIGEST_A],
    ["ghcr.io/acme/agent:1.0", undefined],
    ["ghcr.io/acme/agent@sha256:short", undefined],
  ])("%s → %s", (ref, digest) => {
    expect(digestOf(ref)).toBe(digest);
  });
});
