import { describe, expect, it } from "vitest";
import { imageRepositoryProblems } from "../../model/rules/image-repository";

const PROBLEM = "must be a lowercase repository such as ghcr.io/acme/agent, without tag or digest";

describe("imageRepositoryProblems", () => {
  it.each([
    // Repositories a build can push to.
    ["ghcr.io/acme/agent", true],
    ["acme/agent", true],
    ["agent", true],
    ["registry.example.com/team/sub-team/agent_v2", true],
    ["localhost:5001/agent-cloud/sample-agent", true],
    // Not lowercase, or not a repository name at all.
    ["Acme/Agent", false],
    ["ghcr.io/Acme/agent", false],
    ["", false],
    ["ghcr.io/acme/agent/", false],
    ["-agent", false],
    ["ghcr.io/acme agent", false],
    // A digest.
    [`ghcr.io/acme/agent@sha256:${"a".repeat(64)}`, false],
  ])("%j: valid %s", (repository, valid) => {
    expect(imageRepositoryProblems(repository)).toEqual(
      valid ? [] : [{ path: "image.repository", received: repository, message: PROBLEM }],
    );
  });
});
