import { describe, expect, it } from "vitest";
import { OpsError } from "../../ops/errors";
import {
  assertCarriable,
  buildOf,
  carriedPins,
  sourceStackImage,
} from "../../ops/plans/carried-images";
import { releaseMessage, releasesOf, type ReleaseFacts } from "../../ops/plans/release";
import type { StackOutputs, UpdateRecord } from "../../ops/engine";
import { DIGEST_B } from "../../testkit/ops/fakes";
import { recordedConfig, update } from "../../testkit/ops/memory-engine";
import { IMAGE_REF_A } from "./support/fixtures";

const IMAGE_REF_B = `ghcr.io/acme/agent:1.3.0@${DIGEST_B}`;
const BOTH = ["linux/amd64", "linux/arm64"];
const BUILD = { context: "./app", repository: "ghcr.io/acme/agent" };

/** A successful update of tenant acme that recorded `image` and the facts its message holds. */
function ran(
  version: number,
  image: Record<string, unknown>,
  facts: Partial<ReleaseFacts> = {},
  result: UpdateRecord["result"] = "succeeded",
): UpdateRecord {
  return update({
    version,
    result,
    message: releaseMessage({ action: "deploy", ...facts }),
    config: recordedConfig({
      "agent-cloud:image": image,
      "agent-cloud:tenants": [{ id: "acme" }],
    }),
  });
}

/** `before=v<version>`: what acme ran when the next update started. */
const before = (version: number, image: string) => ({ version, images: { image, pins: {} } });

describe("buildOf: the update that built an image a stack ran, and what it covered", () => {
  it.each([
    {
      name: "the update that built and ran it: its recorded image.platforms",
      history: [ran(7, { ...BUILD, platforms: BOTH })],
      ref: IMAGE_REF_A,
      build: { version: 7, platforms: BOTH },
    },
    {
      name: "no image.platforms recorded: the default",
      history: [ran(7, BUILD)],
      ref: IMAGE_REF_A,
      build: { version: 7, platforms: ["linux/amd64"] },
    },
    {
      name: "a --skip-build update runs the build before it, whatever it recorded",
      history: [
        ran(8, { ...BUILD, platforms: BOTH }, { skipBuild: true, before: before(7, IMAGE_REF_A) }),
        ran(7, BUILD),
      ],
      ref: IMAGE_REF_A,
      build: { version: 7, platforms: ["linux/amd64"] },
    },
    {
      name: "a rollback runs the build of the update it went back to",
      history: [
        ran(9, BUILD, { rollbackTo: 7, before: before(8, IMAGE_REF_B) }),
        ran(8, { ...BUILD, platforms: BOTH }, { before: before(7, IMAGE_REF_A) }),
        ran(7, { ...BUILD, platforms: BOTH }),
      ],
      ref: IMAGE_REF_A,
      build: { version: 7, platforms: BOTH },
    },
    {
      name: "a pinned image.ref was built elsewhere: unknown",
      history: [ran(7, { ...BUILD, ref: IMAGE_REF_A })],
      ref: IMAGE_REF_A,
      build: undefined,
    },
    {
      name: "an image taken with --image-from was built elsewhere: unknown",
      history: [ran(7, BUILD, { imageFrom: "staging@v3" })],
      ref: IMAGE_REF_A,
      build: undefined,
    },
    {
      name: "a failed update built nothing that ran",
      history: [
        ran(8, { ...BUILD, platforms: BOTH }, { before: before(7, IMAGE_REF_A) }, "failed"),
        ran(7, BUILD),
      ],
      ref: IMAGE_REF_A,
      build: { version: 7, platforms: ["linux/amd64"] },
    },
    {
      name: "a tenant's own image beside a build was not built by it: unknown",
      history: [
        update({
          version: 7,
          message: releaseMessage({ action: "deploy" }),
          config: recordedConfig({
            "agent-cloud:image": BUILD,
            "agent-cloud:tenants": [{ id: "acme" }, { id: "globex", image: IMAGE_REF_B }],
          }),
        }),
      ],
      ref: IMAGE_REF_B,
      build: undefined,
    },
    {
      name: "an image no update ran: unknown",
      history: [ran(7, BUILD)],
      ref: IMAGE_REF_B,
      build: undefined,
    },
  ])("$name", ({ history, ref, build }) => {
    // acme runs IMAGE_REF_A now and globex its own (the newest update's result).
    const running = { acme: IMAGE_REF_A, globex: IMAGE_REF_B };
    expect(buildOf(releasesOf(history, running), ref)).toEqual(build);
  });
});

describe("assertCarriable: platforms", () => {
  const carried = (targetPlatforms: string[] | undefined, history: UpdateRecord[]) => ({
    what: "promote",
    from: "dev",
    to: "production",
    target: {
      "agent-cloud:image": {
        repository: "ghcr.io/acme/agent",
        ...(targetPlatforms === undefined ? {} : { platforms: targetPlatforms }),
      },
    },
    refs: [IMAGE_REF_A],
    sourceReleases: releasesOf(history, { acme: IMAGE_REF_A }),
  });

  it("refuses an image built for fewer platforms than the target builds for, naming the fix", () => {
    expect(() => assertCarriable(carried(BOTH, [ran(7, BUILD)]))).toThrow(
      new OpsError(
        `promote: stack "production" builds for linux/amd64 and linux/arm64 (its image.platforms: its nodes may run any of them), and stack "dev" built ${IMAGE_REF_A} for linux/amd64 only (v7); add linux/arm64 to image.platforms of "dev", deploy and test it, then carry its new image`,
      ),
    );
  });

  it.each([
    {
      name: "built for every platform the target builds for",
      target: BOTH,
      image: { ...BUILD, platforms: BOTH },
    },
    {
      name: "built for more than the target builds for",
      target: undefined,
      image: { ...BUILD, platforms: BOTH },
    },
    { name: "built for the same default", target: undefined, image: BUILD },
    { name: "not built by the source: not checked", target: BOTH, image: { ref: IMAGE_REF_A } },
  ])("carries an image $name", ({ target, image }) => {
    expect(assertCarriable(carried(target, [ran(7, image)]))).toBeUndefined();
  });
});

describe("sourceStackImage: the source's stack image is its imageRef output", () => {
  const CUSTOM = `ghcr.io/acme/agent-acme-custom@${DIGEST_B}`;

  it("is the imageRef output, whatever image most tenants ran", () => {
    const outputs = {
      imageRef: { value: IMAGE_REF_A, secret: false },
      tenants: { value: { acme: { image: CUSTOM }, globex: { image: CUSTOM } }, secret: false },
    };
    expect(sourceStackImage({ what: "promote", from: "dev", to: "production" }, outputs)).toBe(
      IMAGE_REF_A,
    );
  });

  it.each<{ name: string; outputs: StackOutputs }>([
    { name: "no imageRef output", outputs: {} },
    {
      name: "a secret imageRef output",
      outputs: { imageRef: { value: IMAGE_REF_A, secret: true } },
    },
  ])("refuses $name, naming the command, the source and what to do", ({ outputs }) => {
    expect(() =>
      sourceStackImage({ what: "--image-from dev", from: "dev", to: "production" }, outputs),
    ).toThrow(
      new OpsError(
        '--image-from dev: stack "dev" has no imageRef output in clear (the stack image its last update built or took, and runs for every tenant without tenants[].image), so there is no image to carry to "production"; deploy "dev" again, test it, then carry its image',
      ),
    );
  });
});

describe("carriedPins: each carried tenant off the source's stack image, pinned to what it ran", () => {
  const CUSTOM = `ghcr.io/acme/agent-acme-custom@${DIGEST_B}`;
  it.each([
    {
      name: "tenants on the stack image follow it; the others are pinned, even when most",
      ran: { acme: CUSTOM, globex: CUSTOM, initech: IMAGE_REF_A },
      ids: ["acme", "globex", "initech"],
      shard: false,
      pins: { acme: CUSTOM, globex: CUSTOM },
    },
    {
      name: "into a shard every tenant is pinned, on the stack image too",
      ran: { acme: CUSTOM, initech: IMAGE_REF_A },
      ids: ["acme", "initech"],
      shard: true,
      pins: { acme: CUSTOM, initech: IMAGE_REF_A },
    },
    {
      name: "only the listed tenants, and none whose image is not known",
      ran: { acme: CUSTOM, globex: undefined, initech: CUSTOM },
      ids: ["globex", "acme"],
      shard: true,
      pins: { acme: CUSTOM },
    },
  ])("$name", ({ ran, ids, shard, pins }) => {
    expect(carriedPins(IMAGE_REF_A, ran, ids, shard)).toEqual(pins);
  });
});
