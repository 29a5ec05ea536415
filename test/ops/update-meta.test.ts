import { describe, expect, it } from "vitest";
import type { RecordedConfigValue } from "../../ops/engine";
import {
  commitOf,
  digestOf,
  imageDigestOf,
  messageTokens,
  updateMessage,
} from "../../ops/plans/update-meta";
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
    { what: "nothing recorded", environment: {}, message: "manual pulumi up", expected: undefined },
    { what: "a malformed token", environment: {}, message: "commit=zzz", expected: undefined },
  ])("reads $what", ({ environment, message, expected }) => {
    expect(commitOf({ environment: environment as Record<string, string>, message })).toEqual(
      expected,
    );
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

describe("imageDigestOf", () => {
  const pinned = {
    "agent-cloud:image": { value: JSON.stringify({ ref: `r/a@${DIGEST_A}` }), secret: false },
  };
  it.each([
    {
      what: "the recorded config's image.ref",
      config: pinned,
      message: `image=${DIGEST_B}`,
      fallback: undefined,
      expected: DIGEST_A,
    },
    {
      what: "the message token",
      config: {},
      message: `deploy image=${DIGEST_B}`,
      fallback: `r/a@${DIGEST_A}`,
      expected: DIGEST_B,
    },
    {
      what: "the current output as a last resort",
      config: {},
      message: "deploy",
      fallback: `r/a@${DIGEST_A}`,
      expected: DIGEST_A,
    },
    {
      what: "an unpinned config ref",
      config: { "agent-cloud:image": { value: '{"tag":"1.0"}', secret: false } },
      message: "",
      fallback: undefined,
      expected: undefined,
    },
    {
      what: "a secret image config",
      config: { "agent-cloud:image": { secret: true } },
      message: "",
      fallback: undefined,
      expected: undefined,
    },
  ])("takes $what", ({ config, message, fallback, expected }) => {
    expect(
      imageDigestOf({ config: config as Record<string, RecordedConfigValue>, message }, fallback),
    ).toBe(expected);
  });
});

describe("updateMessage", () => {
  it.each([
    [{}, "deploy"],
    [{ commit: SHA_1, dirty: false }, `deploy commit=${SHA_1}`],
    [
      {
        commit: SHA_1,
        dirty: true,
        image: `r/a@${DIGEST_A}`,
        groups: ["beta", "eu"],
        tag: "v2",
        rebuild: true,
      },
      `deploy commit=${SHA_1} dirty=true image=${DIGEST_A} groups=beta,eu tag=v2 rebuild=true`,
    ],
    [{ image: "r/a:latest" }, "deploy"],
  ])("%j → %s", (facts, message) => {
    expect(updateMessage("deploy", facts)).toBe(message);
  });

  it("round-trips through messageTokens and commitOf", () => {
    const message = updateMessage("rollback to v3", { commit: SHA_2, image: DIGEST_B });
    expect(message).toBe(`rollback to v3 commit=${SHA_2} image=${DIGEST_B}`);
    expect(messageTokens(message).get("image")).toBe(DIGEST_B);
    expect(commitOf({ environment: {}, message })).toEqual({
      sha: SHA_2,
      dirty: false,
      from: "message",
    });
  });
});
