import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import {
  APP_IMAGE_TYPE,
  AppImage,
  type AppImageArgs,
  appImageProblems,
} from "../../components/image/app-image";
import { SecretsInContextError } from "../../components/image/scan-context";
import { ComponentArgsError } from "../../components/component-args-error";
import { isSecretInput, runProgram, valueOf, runProgramCatching } from "../../testkit/mocks";
import { FAKE_GITHUB_TOKEN, removeTempContexts, tempContext } from "./fixtures";
import { DOCKER_BUILD } from "../../testkit/type-tokens";

afterAll(removeTempContexts);

const REPO = "registry.example.com/acme/agent";
const DIGEST_OF = /^sha256:[a-f0-9]{64}$/;

const clean = () => tempContext({ Dockerfile: "FROM scratch\n", "app.txt": "hello\n" });

async function build(args: AppImageArgs, preview = false) {
  return runProgram(
    () => {
      const image = new AppImage("agent", args);
      return { ref: image.ref, digest: image.digest };
    },
    { preview },
  );
}

/**
 * Runs a program the way Pulumi's language host does: an Output that rejects inside a resource's
 * inputs surfaces as an unhandled rejection, which the host logs as the update's error. Collect
 * them here instead of letting them fail the test run.
 */
async function withHostErrors<T>(fn: () => Promise<T>): Promise<{ result: T; errors: Error[] }> {
  const saved = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const errors: Error[] = [];
  process.on("unhandledRejection", (e) => errors.push(e as Error));
  try {
    const result = await fn();
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { result, errors };
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const listener of saved) process.on("unhandledRejection", listener);
  }
}

describe("AppImage", () => {
  it("builds with BuildKit, pushes a tag with registry cache and outputs the ref by digest", async () => {
    const dir = clean();
    const run = await build({
      context: path.basename(dir),
      projectRoot: path.dirname(dir),
      repository: REPO,
      tag: "v1.2.3",
      platforms: ["linux/amd64", "linux/arm64"],
    });
    const component = run.get(APP_IMAGE_TYPE, "agent");
    const image = run.get(DOCKER_BUILD.Image, "agent-image");
    expect(image.parent).toBe(component.urn);
    // Removing the build from the state (a pinned ref, a rollback) never deletes pushed images.
    expect(image.retainOnDelete).toBe(true);
    expect(image.inputs).toEqual({
      // Previews never build (the provider's default would).
      buildOnPreview: false,
      // Provider default the SDK fills in.
      network: "default",
      context: { location: dir },
      dockerfile: { location: path.join(dir, "Dockerfile") },
      platforms: ["linux/amd64", "linux/arm64"],
      push: true,
      tags: [`${REPO}:v1.2.3`],
      cacheFrom: [{ registry: { ref: `${REPO}:buildcache` } }],
      cacheTo: [
        {
          registry: {
            ref: `${REPO}:buildcache`,
            mode: "max",
            imageManifest: true,
            ociMediaTypes: true,
          },
        },
      ],
    });
    const digest = await valueOf(run.result.digest);
    expect(digest).toMatch(DIGEST_OF);
    expect(await valueOf(run.result.ref)).toBe(`${REPO}@${digest}`);
  });

  it("defaults to linux/amd64, tag latest and the context's Dockerfile", async () => {
    const dir = clean();
    const run = await build({ context: dir, repository: REPO });
    expect(run.get(DOCKER_BUILD.Image, "agent-image").inputs).toMatchObject({
      platforms: ["linux/amd64"],
      tags: [`${REPO}:latest`],
      dockerfile: { location: path.join(dir, "Dockerfile") },
    });
  });

  it("takes a Dockerfile relative to the project root, like docker build -f", async () => {
    const dir = clean();
    const run = await build({
      context: dir,
      dockerfile: "build/Agent.Dockerfile",
      projectRoot: "/work/project",
      repository: REPO,
    });
    expect(run.get(DOCKER_BUILD.Image, "agent-image").inputs.dockerfile).toEqual({
      location: "/work/project/build/Agent.Dockerfile",
    });
  });

  it("forces a full rebuild with a nonce: a build arg that changes the inputs, and no cache", async () => {
    const run = await build({ context: clean(), repository: REPO, rebuildNonce: "2025-06-01" });
    expect(run.get(DOCKER_BUILD.Image, "agent-image").inputs).toMatchObject({
      buildArgs: { AGENT_CLOUD_REBUILD_NONCE: "2025-06-01" },
      noCache: true,
    });
  });

  it("builds with the named buildx builder only when one is given", async () => {
    const named = await build({ context: clean(), repository: REPO, builder: "agent-cloud-local" });
    expect(named.get(DOCKER_BUILD.Image, "agent-image").inputs.builder).toEqual({
      name: "agent-cloud-local",
    });
    const unnamed = await build({ context: clean(), repository: REPO });
    expect(unnamed.get(DOCKER_BUILD.Image, "agent-image").inputs.builder).toBeUndefined();
  });

  it("logs in to the registry with a secret password", async () => {
    const run = await build({
      context: clean(),
      repository: "ghcr.io/acme/agent",
      registryUsername: "acme-bot",
      registryPassword: pulumi.secret("ghs_registrytoken"),
    });
    const image = run.get(DOCKER_BUILD.Image, "agent-image");
    expect(image.inputs.registries).toEqual([
      { address: "ghcr.io", username: "acme-bot", password: "ghs_registrytoken" },
    ]);
    expect(isSecretInput(image, "registries[0].password")).toBe(true);
    const withServer = await build({
      context: clean(),
      repository: "acme/agent",
      registryServer: "index.docker.io",
      registryUsername: "acme",
      registryPassword: pulumi.secret("x"),
    });
    expect(withServer.get(DOCKER_BUILD.Image, "agent-image").inputs.registries[0].address).toBe(
      "index.docker.io",
    );
  });

  it("registers the build so that a preview does not run it, and keeps the same inputs for up", async () => {
    const dir = clean();
    const args = { context: dir, repository: REPO, tag: "v1" };
    const preview = (await build(args, true)).get(DOCKER_BUILD.Image, "agent-image");
    const up = (await build(args, false)).get(DOCKER_BUILD.Image, "agent-image");
    expect(preview.inputs.buildOnPreview).toBe(false);
    // Same inputs either way: a preview shows the diff `up` would make, without building it.
    expect(preview.inputs).toEqual(up.inputs);
  });

  it("builds nothing for a pinned ref and passes it through", async () => {
    const ref = `ghcr.io/systempromptio/systemprompt-template:1.4.0@sha256:${"b".repeat(64)}`;
    const run = await build({ ref, context: "ignored", repository: REPO });
    expect(run.resources.map((r) => r.type)).toEqual([APP_IMAGE_TYPE]);
    expect(await valueOf(run.result.ref)).toBe(ref);
    expect(await valueOf(run.result.digest)).toBe(`sha256:${"b".repeat(64)}`);
  });

  it("refuses args it cannot build or pin, saying what to set", () => {
    const make = (args: AppImageArgs) => () => new AppImage("agent", args);
    expect(make({ ref: "ghcr.io/acme/agent:1.0" })).toThrow(
      /ref "ghcr.io\/acme\/agent:1.0": must be pinned by digest/,
    );
    expect(make({ context: "app" })).toThrow(/set ref .*or context and repository/);
    expect(make({ context: "app", repository: "Acme/Agent" })).toThrow(
      /must be a lowercase repository/,
    );
    expect(make({ context: "app", repository: "localhost:5001/acme/agent:v1" })).toThrow(
      /image.repository "localhost:5001\/acme\/agent:v1": .*with no tag or digest/,
    );
    expect(appImageProblems({ context: "app", repository: "localhost:5001/acme/agent" })).toEqual(
      [],
    );
    expect(make({ context: "app", repository: REPO, tag: "bad tag" })).toThrow(/tag "bad tag"/);
    expect(make({ context: "app", repository: REPO, registryUsername: "u" })).toThrow(
      /needs registryPassword/,
    );
  });

  it("never quotes a value that looks like a token (showReceived), in its problems or its error", () => {
    const token = "Xq7cF0rT9kLmN2pQ4sV6wY8zA1bC3dE5fG7hJ9kL";
    const pasted = `ghcr.io/acme/agent:${token}`;
    expect(appImageProblems({ ref: pasted })).toEqual([
      "image ref (not shown: it looks like a token): must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>; find it with: docker buildx imagetools inspect <image>",
    ]);
    expect(appImageProblems({ context: token })).toEqual([
      "image: set ref (an image pinned by digest), or context and repository to build one (got context (not shown: it looks like a token), repository undefined)",
    ]);
    const build = { context: "app", repository: REPO, tag: pasted, registryUsername: token };
    expect(appImageProblems(build)).toEqual([
      "image tag (not shown: it looks like a token): must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')",
      "image registryUsername (not shown: it looks like a token) needs registryPassword; run: pulumi config set --secret registryPassword <token>",
    ]);
    const error = (() => {
      try {
        new AppImage("agent", { ref: pasted });
      } catch (e) {
        return e as Error;
      }
      throw new Error("AppImage accepted an unpinned ref");
    })();
    expect(error).toBeInstanceOf(ComponentArgsError);
    expect(error.message).toBe(
      'AppImage "agent": image ref (not shown: it looks like a token): must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>; find it with: docker buildx imagetools inspect <image>',
    );
    for (const text of [
      error.message,
      ...appImageProblems(build),
      ...appImageProblems({ context: token }),
    ]) {
      expect(text).not.toContain(token);
    }
  });

  it("gathers every problem of a build into one ComponentArgsError, registering nothing", async () => {
    const run = await runProgramCatching(() => {
      new AppImage("agent", {
        context: "app",
        repository: "Acme/Agent",
        tag: "bad tag",
        registryUsername: "u",
      });
    });
    expect(run.resources).toEqual([]);
    expect(run.result).toBeInstanceOf(ComponentArgsError);
    expect((run.result as Error).message).toBe(
      'AppImage "agent": 3 problems:\n' +
        "  - image.repository \"Acme/Agent\": must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)\n" +
        "  - image tag \"bad tag\": must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')\n" +
        '  - image registryUsername "u" needs registryPassword; run: pulumi config set --secret registryPassword <token>',
    );
  });

  it("exposes the build and lets a caller adjust it before it is registered", async () => {
    const dir = clean();
    const run = await runProgram(() => {
      const image = new AppImage("agent", {
        context: path.basename(dir),
        projectRoot: path.dirname(dir),
        repository: REPO,
        transform: { image: (args) => void (args.platforms = ["linux/arm64"]) },
      });
      return {
        digest: image.image?.digest,
        pinned: new AppImage("pinned", { ref: `${REPO}@sha256:${"c".repeat(64)}` }).image,
      };
    });
    expect(run.get(DOCKER_BUILD.Image, "agent-image").inputs.platforms).toEqual(["linux/arm64"]);
    expect(await valueOf(run.result.digest)).toMatch(DIGEST_OF);
    expect(run.result.pinned).toBeUndefined();
  });

  it("fails preview before building when the context holds a credential, naming file and line", async () => {
    const dir = tempContext({
      Dockerfile: "FROM scratch\nCOPY . .\n",
      "config/settings.env": `LOG_LEVEL=info\nGITHUB_TOKEN=${FAKE_GITHUB_TOKEN}\n`,
    });
    const args = { context: dir, repository: REPO };
    const { result: run, errors } = await withHostErrors(async () => {
      // Exported, its ref fails the run with the scan's error, as it fails the update.
      await expect(build(args, true)).rejects.toThrow(/holds 1 credential/);
      // Not exported, the error still reaches the host through the Image's inputs.
      return runProgram(() => void new AppImage("agent", args), { preview: true });
    });
    expect(run.ofType(DOCKER_BUILD.Image)).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    // The same error reaches every input that waited on the scan; Pulumi reports it once.
    expect(errors.filter((e) => !(e instanceof SecretsInContextError))).toEqual([]);
    const error = errors[0]!;
    // A RunError: Pulumi prints its message without a stack trace.
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/holds 1 credential/);
    expect(error.message).toMatch(/- config\/settings\.env:2:14 .*GitHub Token/);
    expect(error.message).not.toContain(FAKE_GITHUB_TOKEN);
  });

  it("builds a context with a credential only when scanning is turned off", async () => {
    const dir = tempContext({ ".env": `GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}\n` });
    const run = await build({ context: dir, repository: REPO, scanForSecrets: false });
    expect(run.get(DOCKER_BUILD.Image, "agent-image").inputs.context).toEqual({ location: dir });
  });
});
