import { describe, expect, it } from "vitest";
import {
  actorOf,
  checkReleaseName,
  overridesOf,
  parseRelease,
  releaseMessage,
  releasesOf,
  splitImages,
  type Release,
  type ReleaseFacts,
} from "../../ops/plans/release";
import type { UpdateRecord } from "../../ops/engine";
import { DIGEST_A, DIGEST_B, SHA_1 } from "../../testkit/ops/fakes";
import { runningImages, tenantImagesFromState } from "../../ops/plans/running-images";
import { MemoryEngine, memoryStack, update } from "../../testkit/ops/memory-engine";
import { KUBERNETES } from "../../testkit/type-tokens";

const IMAGE_A = `ghcr.io/acme/agent@${DIGEST_A}`;
const IMAGE_B = `ghcr.io/acme/agent@${DIGEST_B}`;
const tenants = (...ids: string[]) => ({
  "agent-cloud:tenants": { value: JSON.stringify(ids.map((id) => ({ id }))), secret: false },
});

describe("release messages", () => {
  it.each<{ facts: ReleaseFacts; message: string }>([
    { facts: { action: "deploy" }, message: "deploy" },
    {
      facts: {
        action: "deploy",
        name: "spring-launch",
        actor: "Rita Release",
        commit: SHA_1,
        dirty: true,
        images: { image: IMAGE_A, pins: { globex: IMAGE_B } },
        rebuild: true,
        tag: "v2",
        groups: ["beta", "eu"],
      },
      message: `deploy release=spring-launch actor=Rita%20Release commit=${SHA_1} dirty=true image=${IMAGE_A} pin.globex=${IMAGE_B} rebuild=true tag=v2 groups=beta,eu`,
    },
    {
      facts: {
        action: "rollback to v3",
        images: { image: IMAGE_A, pins: {} },
        rollbackTo: 3,
        prune: true,
        removed: ["hooli"],
        before: { version: 7, images: { image: IMAGE_B, pins: { acme: IMAGE_A } } },
      },
      message: `rollback to v3 image=${IMAGE_A} rollback-to=v3 prune=true removed=hooli before=v7 before.image=${IMAGE_B} before.pin.acme=${IMAGE_A}`,
    },
    {
      facts: {
        action: "deploy",
        skipBuild: true,
        imageFrom: "dev@v9",
        images: { image: IMAGE_B, pins: {} },
      },
      message: `deploy image=${IMAGE_B} skip-build=true image-from=dev@v9`,
    },
  ])("$message", ({ facts, message }) => {
    expect(releaseMessage(facts)).toBe(message);
    const parsed = parseRelease(message);
    for (const [key, value] of Object.entries(facts)) {
      expect(parsed[key as keyof ReleaseFacts], key).toEqual(value);
    }
  });

  it.each<{ message: string; facts: Partial<ReleaseFacts> }>([
    { message: "hotfix release=x%0Av9%20forged", facts: { action: "hotfix", name: undefined } },
    { message: "deploy actor=%1B[8m commit=abc", facts: { actor: undefined, commit: "abc" } },
    { message: "deploy release=a\x1b[2Jb", facts: { name: undefined } },
    { message: "deploy release=bell%07 tag=del%7F", facts: { name: undefined, tag: undefined } },
    { message: "deploy actor=c1%C2%9B31m", facts: { actor: undefined } },
    { message: "deploy actor=Rita%09Release", facts: { actor: undefined } },
    { message: "deploy actor=Rita%20Release", facts: { actor: "Rita Release" } },
    { message: "hot\x1b]0;title\x07 fix release=r", facts: { action: "fix", name: "r" } },
    {
      message: `deploy before=v2 before.image=${IMAGE_A} before.pin.x\x1b=${IMAGE_B} pin.acme=%0A`,
      facts: { before: { version: 2, images: { image: IMAGE_A, pins: {} } }, images: undefined },
    },
    {
      message: `deploy image=${IMAGE_A} pin.a\x1bb=${IMAGE_B}`,
      facts: { images: { image: IMAGE_A, pins: {} } },
    },
  ])("a word carrying a control character is not recorded: $message", ({ message, facts }) => {
    const parsed = parseRelease(message);
    const keys = Object.keys(facts) as (keyof ReleaseFacts)[];
    expect(Object.fromEntries(keys.map((key) => [key, parsed[key]]))).toEqual(facts);
  });

  it("reads messages it did not write as a bare action", () => {
    expect(parseRelease("manual pulumi up")).toMatchObject({
      action: "manual pulumi up",
      name: undefined,
      images: undefined,
    });
  });

  it("lists the overrides an update ran with", () => {
    expect(
      overridesOf(
        parseRelease(
          "deploy skip-build=true rebuild=true tag=t groups=a,b image-from=dev@v2 rollback-to=v1 prune=true removed=x",
        ),
      ),
    ).toEqual([
      "rollback to v1",
      "--skip-build",
      "--force",
      "--tag t",
      "--group a",
      "--group b",
      "--image-from dev@v2",
      "--prune",
      "--remove-tenant x",
    ]);
  });
});

describe("splitImages", () => {
  it("names the image most tenants run and pins the rest", () => {
    expect(splitImages({ acme: IMAGE_A, globex: IMAGE_B, initech: IMAGE_A })).toEqual({
      image: IMAGE_A,
      pins: { globex: IMAGE_B },
    });
    expect(splitImages({})).toEqual({ image: undefined, pins: {} });
  });
});

describe("releasesOf: the image each tenant ran after each update", () => {
  const history = [
    // v4 started from v3's result and recorded it.
    update({
      version: 4,
      result: "failed",
      message: `deploy before=v3 before.image=${IMAGE_B} before.pin.acme=${IMAGE_A}`,
      config: tenants("acme", "globex"),
    }),
    update({ version: 3, message: "deploy", config: tenants("acme", "globex") }),
    update({ version: 2, kind: "refresh" }),
    // v1 was told its images (skip-build), and nothing recorded what it left.
    update({
      version: 1,
      message: `deploy image=${IMAGE_A} skip-build=true`,
      config: tenants("acme"),
    }),
    // v0 ran outside ops with a pinned ref in config.
    update({
      version: 0,
      message: "",
      config: {
        ...tenants("acme"),
        "agent-cloud:image": { value: JSON.stringify({ ref: IMAGE_B }), secret: false },
      },
    }),
  ];

  it("takes the next update's record first (a failed update may have left its images in the state), then the outputs for the newest success, then the message, then the config", () => {
    const releases = releasesOf(history, { acme: IMAGE_A, globex: IMAGE_A });
    expect(releases.map((r) => [r.update.version, r.imagesFrom, r.images])).toEqual([
      [4, "none", { acme: undefined, globex: undefined }],
      [3, "next-update", { acme: IMAGE_A, globex: IMAGE_B }],
      [2, "none", {}],
      [1, "message", { acme: IMAGE_A }],
      [0, "config", { acme: IMAGE_B }],
    ]);
  });

  it("takes the next update's record for the newest success only when the outputs name no tenant", () => {
    const [, latest] = releasesOf(history, {});
    expect([latest!.imagesFrom, latest!.images]).toEqual([
      "next-update",
      { acme: IMAGE_A, globex: IMAGE_B },
    ]);
  });

  it("uses the outputs for the newest successful update when nothing ran after it", () => {
    const [latest] = releasesOf(history.slice(1), { acme: IMAGE_A, globex: IMAGE_B });
    expect([latest!.imagesFrom, latest!.images]).toEqual([
      "outputs",
      { acme: IMAGE_A, globex: IMAGE_B },
    ]);
  });
});

describe("releasesOf: before=vK counts only from the update right after vK", () => {
  const EVIL = `ghcr.io/acme/agent:untested@sha256:${"e".repeat(64)}`;
  const acme = tenants("acme");
  const deployed = (version: number, message = "deploy") =>
    update({ version, message, config: acme });
  const now = { acme: IMAGE_B };
  it.each<{
    name: string;
    history: UpdateRecord[];
    current: Record<string, string>;
    expected: [number, Release["imagesFrom"], Release["images"]];
  }>([
    {
      name: "a refresh's forged before= changes nothing (newest update)",
      history: [
        update({ version: 3, kind: "refresh", message: `refresh before=v2 before.image=${EVIL}` }),
        deployed(2),
        deployed(1),
      ],
      current: now,
      expected: [2, "outputs", { acme: IMAGE_B }],
    },
    {
      name: "a refresh's forged before= changes nothing (older update)",
      history: [
        update({ version: 4, kind: "refresh", message: `refresh before=v1 before.image=${EVIL}` }),
        deployed(3),
        deployed(2),
        deployed(1, `deploy image=${IMAGE_A} skip-build=true`),
      ],
      current: now,
      expected: [1, "message", { acme: IMAGE_A }],
    },
    {
      name: "a before= on an update that is not the first after vK is ignored",
      history: [
        deployed(3, `deploy before=v1 before.image=${EVIL}`),
        deployed(2),
        deployed(1, `deploy image=${IMAGE_A} skip-build=true`),
      ],
      current: now,
      expected: [1, "message", { acme: IMAGE_A }],
    },
    {
      name: "the first update after vK naming another version is ignored",
      history: [
        deployed(3),
        deployed(2, `deploy before=v0 before.image=${EVIL}`),
        deployed(1, `deploy image=${IMAGE_A} skip-build=true`),
      ],
      current: now,
      expected: [1, "message", { acme: IMAGE_A }],
    },
    {
      name: "the first update after vK counts across a refresh between them",
      history: [
        deployed(4),
        deployed(3, `deploy before=v1 before.image=${IMAGE_B}`),
        update({ version: 2, kind: "refresh", message: `refresh before=v1 before.image=${EVIL}` }),
        deployed(1, `deploy image=${IMAGE_A} skip-build=true`),
      ],
      current: now,
      expected: [1, "next-update", { acme: IMAGE_B }],
    },
    {
      name: "a hand-run pulumi up's message (its commit's title) is no record: its forged before= is ignored",
      history: [
        deployed(3),
        update({
          version: 2,
          message: `Fix typos before=v1 before.image=${EVIL}`,
          environment: { "exec.kind": "cli" },
          config: acme,
        }),
        deployed(1, `deploy image=${IMAGE_A} skip-build=true`),
      ],
      current: now,
      expected: [1, "message", { acme: IMAGE_A }],
    },
    {
      name: "an ops update's before= counts (the Automation API's exec.kind)",
      history: [
        deployed(3),
        update({
          version: 2,
          message: `deploy before=v1 before.image=${IMAGE_B}`,
          environment: { "exec.kind": "auto.local" },
          config: acme,
        }),
        deployed(1, `deploy image=${IMAGE_A} skip-build=true`),
      ],
      current: now,
      expected: [1, "next-update", { acme: IMAGE_B }],
    },
    {
      name: "the newest success followed by a failed update: what that update found running, not the state it may have changed",
      history: [
        update({
          version: 3,
          result: "failed",
          message: `deploy before=v2 before.image=${IMAGE_A}`,
          config: acme,
        }),
        deployed(2),
      ],
      current: now,
      expected: [2, "next-update", { acme: IMAGE_A }],
    },
  ])("$name", ({ history, current, expected }) => {
    const release = releasesOf(history, current).find((r) => r.update.version === expected[0]);
    expect([release!.update.version, release!.imagesFrom, release!.images]).toEqual(expected);
  });
});

describe("actorOf", () => {
  it.each([
    [{ GITHUB_ACTOR: "octocat", USER: "runner" }, "Rita", "octocat"],
    [{ GITLAB_USER_LOGIN: "gl-user" }, "Rita", "gl-user"],
    [{ USER: "root" }, "Rita", "Rita"],
    [{ USER: "root" }, undefined, "root"],
    [{}, undefined, undefined],
  ])("%j with git user %s → %s", (env, gitUser, actor) => {
    expect(actorOf(env, gitUser)).toBe(actor);
  });
});

describe("checkReleaseName", () => {
  const history = [
    update({ version: 3, message: "Docs release=autumn", environment: { "exec.kind": "cli" } }),
    update({ version: 2, message: "deploy release=spring" }),
  ];
  it.each([
    ["summer", undefined],
    // A hand-run update's commit title names no release.
    ["autumn", undefined],
    ["spring", '--release "spring": update v2 of stack "dev" already has that name; pick another'],
    [
      "v4",
      `--release "v4": must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit, and not a version number such as 4 or v4`,
    ],
    [
      "has space",
      `--release "has space": must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit, and not a version number such as 4 or v4`,
    ],
  ])("%s", (name, problem) => {
    expect(checkReleaseName(name, history, "dev")).toBe(problem);
  });
});

describe("runningImages", () => {
  it("reads each tenant Deployment's image from the state, over the tenants output", async () => {
    const deployment = (id: string, image: string) => ({
      urn: `urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$agent-cloud:tenant:TenantApp$kubernetes:apps/v1:Deployment::dev-tenant-${id}-deployment`,
      type: KUBERNETES.Deployment,
      inputs: {
        spec: {
          template: {
            metadata: { labels: { "agent-cloud.io/tenant": id } },
            spec: { containers: [{ name: `sp-${id}`, image }] },
          },
        },
      },
      outputs: {},
    });
    const proxy = { ...deployment("x", "nginx@sha256:1"), inputs: { spec: { template: {} } } };
    expect(tenantImagesFromState([deployment("acme", IMAGE_B), proxy])).toEqual({ acme: IMAGE_B });
    const engine = new MemoryEngine({
      dev: memoryStack({ resources: [deployment("acme", IMAGE_B)] }),
    });
    const outputs = {
      tenants: {
        value: {
          acme: { url: "https://a", image: IMAGE_A },
          globex: { url: "https://g", image: IMAGE_A },
        },
        secret: false,
      },
    };
    expect(await runningImages(engine, "dev", outputs)).toEqual({ acme: IMAGE_B, globex: IMAGE_A });
  });
});
