import { describe, expect, it } from "vitest";
import { unpinnedImageProblem } from "../../model/rules/pinned-image";

const DIGEST = `sha256:${"a".repeat(64)}`;
const PROBLEM = "must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>";

describe("unpinnedImageProblem", () => {
  it.each([
    [`ghcr.io/acme/agent@${DIGEST}`, undefined],
    [`ghcr.io/acme/agent:1.4.0@${DIGEST}`, undefined],
    [`localhost:5000/agent@${DIGEST}`, undefined],
    ["ghcr.io/acme/agent:1.4.0", PROBLEM],
    ["nginx:latest", PROBLEM],
    ["nginx", PROBLEM],
    [`ghcr.io/acme/agent@sha256:${"a".repeat(63)}`, PROBLEM],
    [`ghcr.io/acme/agent@sha256:${"A".repeat(64)}`, PROBLEM],
    [`Acme/Agent@${DIGEST}`, PROBLEM],
    // A ':' only before a registry's port and before the tag.
    [`localhost:5000/agent:v1@${DIGEST}`, undefined],
    [`ghcr.io/acme:x/agent@${DIGEST}`, PROBLEM],
    [`ghcr.io/acme/agent:v1:v2@${DIGEST}`, PROBLEM],
    [`ghcr.io/acme/agent:@${DIGEST}`, PROBLEM],
    [`:agent@${DIGEST}`, PROBLEM],
    [`ghcr.io//agent@${DIGEST}`, PROBLEM],
    [`ghcr.io/acme/agent/@${DIGEST}`, PROBLEM],
    [`ghcr.io/acme/agent:${"t".repeat(129)}@${DIGEST}`, PROBLEM],
  ])("%s: %s", (ref, expected) => {
    expect(unpinnedImageProblem(ref)).toBe(expected);
  });
});
