import { describe, expect, it } from "vitest";
import { registryHost, repositoryOfRef } from "../../model/patterns";
import { imageRepositoryProblems } from "../../model/rules/image-repository";

const PROBLEM =
  "must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, " +
  "with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)";
const DIGEST = `sha256:${"a".repeat(64)}`;

describe("imageRepositoryProblems", () => {
  it.each([
    // Repositories a build can push to.
    ["ghcr.io/acme/agent", true],
    ["acme/agent", true],
    ["agent", true],
    ["registry-1.example.com/team/sub-team/agent_v2", true],
    ["registry.example.com/team.tools/agent__x/a--b", true],
    // A registry host with a port: the one place a ':' may stand.
    ["localhost:5001/agent-cloud/sample-agent", true],
    ["localhost:5001/agent", true],
    ["ghcr.io:443/acme/agent", true],
    ["10.0.0.5:5000/acme/agent", true],
    // A tag or a digest.
    ["a/b:v1", false],
    ["agent:latest", false],
    ["localhost:5001/a/b:v1", false],
    ["localhost:5001/agent-cloud/sample-agent:v1", false],
    ["ghcr.io/acme:v1/agent", false],
    [`a/b@${DIGEST}`, false],
    [`ghcr.io/acme/agent:1.0@${DIGEST}`, false],
    // A port with no repository after it is a name and a tag; a port that is not a number.
    ["localhost:5001", false],
    ["localhost:/agent", false],
    ["localhost:http/agent", false],
    // Not lowercase, or not a repository name at all.
    ["Acme/Agent", false],
    ["ghcr.io/Acme/agent", false],
    ["GHCR.IO/acme/agent", false],
    ["", false],
    ["ghcr.io/acme/agent/", false],
    ["/acme/agent", false],
    ["ghcr.io//agent", false],
    ["-agent", false],
    ["acme/agent-", false],
    ["acme/.agent", false],
    ["acme/a..b", false],
    ["acme/a___b", false],
    ["ghcr.io/acme agent", false],
  ])("%j: valid %s", (repository, valid) => {
    expect(imageRepositoryProblems(repository)).toEqual(
      valid ? [] : [{ path: "image.repository", received: repository, message: PROBLEM }],
    );
  });
});

describe("repositoryOfRef", () => {
  it.each([
    [`ghcr.io/acme/agent@${DIGEST}`, "ghcr.io/acme/agent"],
    [`ghcr.io/acme/agent:1.0@${DIGEST}`, "ghcr.io/acme/agent"],
    [
      `localhost:5001/agent-cloud/sample-agent@${DIGEST}`,
      "localhost:5001/agent-cloud/sample-agent",
    ],
    [
      `localhost:5001/agent-cloud/sample-agent:v1@${DIGEST}`,
      "localhost:5001/agent-cloud/sample-agent",
    ],
    ["localhost:5001/agent", "localhost:5001/agent"],
    ["agent:latest", "agent"],
    ["agent", "agent"],
  ])("%s → %s", (ref, repository) => {
    expect(repositoryOfRef(ref)).toBe(repository);
  });
});

describe("registryHost", () => {
  it.each([
    ["ghcr.io/acme/agent", "ghcr.io"],
    [`ghcr.io/acme/agent:v1@${DIGEST}`, "ghcr.io"],
    ["localhost:5001/agent-cloud/sample-agent", "localhost:5001"],
    ["localhost/agent", "localhost"],
    ["registry.example.com:8443/team/agent", "registry.example.com:8443"],
    ["acme/agent", "docker.io"],
    [`acme/agent@${DIGEST}`, "docker.io"],
    ["agent", "docker.io"],
  ])("%s → %s", (repository, host) => {
    expect(registryHost(repository)).toBe(host);
  });
});
