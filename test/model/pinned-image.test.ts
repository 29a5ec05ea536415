import { describe, expect, it } from "vitest";
import { unpinnedImageProblem, versionPinnedImageProblem } from "../../model/rules/pinned-image";

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

describe("versionPinnedImageProblem", () => {
  const PROBLEM = "must be pinned by a version tag or a digest, e.g. postgres:17.6";
  it.each([
    ["postgres:17.6", undefined],
    ["registry.example.com:5000/db/postgres:17.6-bookworm", undefined],
    [`postgres@${DIGEST}`, undefined],
    [`postgres:latest@${DIGEST}`, undefined],
    ["postgres", PROBLEM],
    ["postgres:latest", PROBLEM],
    ["registry.example.com:5000/db/postgres", PROBLEM],
    ["registry.example.com:5000/db/postgres:latest", PROBLEM],
    ["Postgres:17.6", PROBLEM],
    ["postgres:", PROBLEM],
    ["", PROBLEM],
  ])("%s: %s", (image, expected) => {
    expect(versionPinnedImageProblem(image, "postgres:17.6")).toBe(expected);
  });
});
