import { describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../stacks/config/errors";
import { applyOverrides, overridesSet } from "../../stacks/config/overrides";

const REF = `ghcr.io/acme/agent@sha256:${"c".repeat(64)}`;
const BUILD = { image: { context: "sample-agent", repository: "ghcr.io/acme/agent", tag: "v1" } };

describe("deploy overrides from the environment", () => {
  it.each([
    { name: "no variables leave config as it is", env: {}, image: BUILD.image },
    {
      name: "skip-build deploys the given digest",
      env: { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: REF },
      image: { ...BUILD.image, ref: REF },
    },
    {
      name: "SKIP_BUILD=0 is off",
      env: { AGENT_CLOUD_SKIP_BUILD: "0", AGENT_CLOUD_IMAGE_REF: REF },
      image: BUILD.image,
    },
    {
      name: "force sets a rebuild nonce",
      env: { AGENT_CLOUD_REBUILD: "1732240000" },
      image: { ...BUILD.image, rebuildNonce: "1732240000" },
    },
    {
      name: "a custom tag",
      env: { AGENT_CLOUD_IMAGE_TAG: "pr-42" },
      image: { ...BUILD.image, tag: "pr-42" },
    },
  ])("$name", ({ env, image }) => {
    expect(applyOverrides(BUILD, env)).toEqual({ image });
  });

  it("refuses skip-build without an image to deploy", () => {
    expect(() => applyOverrides(BUILD, { AGENT_CLOUD_SKIP_BUILD: "1" })).toThrow(
      `AGENT_CLOUD_SKIP_BUILD "1": is set but AGENT_CLOUD_IMAGE_REF is empty: skipping the build needs the image to deploy (repo@sha256:...); ops deploy --skip-build takes it from the stack's imageRef output`,
    );
  });

  it("does not touch the caller's object", () => {
    const raw = structuredClone(BUILD);
    applyOverrides(raw, { AGENT_CLOUD_IMAGE_TAG: "x" });
    expect(raw).toEqual(BUILD);
  });

  it("pins listed tenants to exact images and leaves the others on the stack's image", () => {
    const raw = { ...BUILD, tenants: [{ id: "acme", plan: "pro" }, { id: "globex" }] };
    expect(
      applyOverrides(raw, { AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ globex: REF }) }),
    ).toEqual({
      ...BUILD,
      tenants: [
        { id: "acme", plan: "pro" },
        { id: "globex", image: REF },
      ],
    });
  });

  it.each([
    {
      value: "acme=x",
      message:
        'AGENT_CLOUD_TENANT_IMAGES: must be a JSON object {"<tenant id>": "<repo@sha256:...>"}; got "acme=x"',
    },
    {
      value: JSON.stringify({ initech: REF }),
      message: 'AGENT_CLOUD_TENANT_IMAGES: tenant "initech" is not in tenants (tenants: acme)',
    },
    {
      value: JSON.stringify({ acme: 3 }),
      message:
        'AGENT_CLOUD_TENANT_IMAGES: tenant "acme" must map to an image reference string; got 3',
    },
  ])("refuses tenant images $value", ({ value, message }) => {
    expect(() =>
      applyOverrides({ ...BUILD, tenants: [{ id: "acme" }] }, { AGENT_CLOUD_TENANT_IMAGES: value }),
    ).toThrow(message);
  });

  it.each([
    {
      what: "an image to deploy that is not pinned by digest",
      raw: BUILD,
      env: { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: "ghcr.io/acme/agent:v1" },
      message: `AGENT_CLOUD_IMAGE_REF "ghcr.io/acme/agent:v1": must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>`,
    },
    {
      what: "a tag Docker refuses",
      raw: BUILD,
      env: { AGENT_CLOUD_IMAGE_TAG: "v1 beta!" },
      message: `AGENT_CLOUD_IMAGE_TAG "v1 beta!": must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')`,
    },
    {
      what: "a tenant image that is only a tag",
      raw: { ...BUILD, tenants: [{ id: "acme" }] },
      env: { AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ acme: "ghcr.io/acme/agent:v1" }) },
      message: `AGENT_CLOUD_TENANT_IMAGES: tenant "acme" "ghcr.io/acme/agent:v1": must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>`,
    },
    {
      what: "a rebuild when the file pins the image",
      raw: { image: { ...BUILD.image, ref: REF } },
      env: { AGENT_CLOUD_REBUILD: "1732240000" },
      message: `AGENT_CLOUD_REBUILD "1732240000": asks for a build, but image.ref pins ${REF}, which is deployed as it is and builds nothing; unset AGENT_CLOUD_REBUILD, or remove image.ref to build from the context`,
    },
    {
      what: "a tag with skip-build",
      raw: BUILD,
      env: { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: REF, AGENT_CLOUD_IMAGE_TAG: "v2" },
      message: `AGENT_CLOUD_IMAGE_TAG "v2": asks for a build, but image.ref pins ${REF}, which is deployed as it is and builds nothing; unset AGENT_CLOUD_IMAGE_TAG, or remove image.ref to build from the context`,
    },
    {
      what: "a malformed tag beside a pinned image, once: unsetting it is the fix",
      raw: { image: { ...BUILD.image, ref: REF } },
      env: { AGENT_CLOUD_IMAGE_TAG: "not a tag" },
      message: `AGENT_CLOUD_IMAGE_TAG "not a tag": asks for a build, but image.ref pins ${REF}, which is deployed as it is and builds nothing; unset AGENT_CLOUD_IMAGE_TAG, or remove image.ref to build from the context`,
    },
  ])("names the variable that set what it refuses: $what", ({ raw, env, message }) => {
    let error: unknown;
    try {
      applyOverrides(raw, env);
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([message]);
  });

  it("lists every problem with the variables in one ConfigError", () => {
    let error: unknown;
    try {
      applyOverrides(
        { ...BUILD, tenants: [{ id: "acme" }] },
        {
          AGENT_CLOUD_SKIP_BUILD: "yes",
          AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ acme: 3, initech: REF }),
        },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      `AGENT_CLOUD_SKIP_BUILD "yes": is set but AGENT_CLOUD_IMAGE_REF is empty: skipping the build needs the image to deploy (repo@sha256:...); ops deploy --skip-build takes it from the stack's imageRef output`,
      `AGENT_CLOUD_TENANT_IMAGES: tenant "acme" must map to an image reference string; got 3`,
      `AGENT_CLOUD_TENANT_IMAGES: tenant "initech" is not in tenants (tenants: acme)`,
    ]);
  });
});

describe("AGENT_CLOUD_ADOPT_DATABASES", () => {
  const raw = { ...BUILD, tenants: [{ id: "acme" }, { id: "globex" }, { id: "initech" }] };
  const problems = (config: Record<string, unknown>, env: Record<string, string>) => {
    try {
      applyOverrides(config, env);
    } catch (caught) {
      return (caught as ConfigError).issues.map(formatIssue);
    }
    return [];
  };

  it.each([
    { value: "globex", adopted: ["globex"] },
    { value: " acme , globex,acme ", adopted: ["acme", "globex"] },
    { value: "", adopted: undefined },
  ])("$value adopts $adopted", ({ value, adopted }) => {
    expect(applyOverrides(raw, { AGENT_CLOUD_ADOPT_DATABASES: value }).adoptDatabases).toEqual(
      adopted,
    );
  });

  it("refuses ids that are not tenants of the stack, under the variable's name", () => {
    expect(problems(raw, { AGENT_CLOUD_ADOPT_DATABASES: "acme,hooli,,x" })).toEqual([
      `AGENT_CLOUD_ADOPT_DATABASES "acme,hooli,,x": "hooli", "", "x" are not in tenants (tenants: acme, globex, initech); list the ids of this stack's tenants, separated by commas`,
    ]);
  });

  it("refuses adoptDatabases in the stack file: taking a database over is one run's decision", () => {
    const message = `adoptDatabases ["globex"]: is set per run, not in the stack file: ops deploy --adopt-database ID sets it (AGENT_CLOUD_ADOPT_DATABASES for a hand-run pulumi up); remove it with: pulumi config rm adoptDatabases`;
    expect(problems({ ...raw, adoptDatabases: ["globex"] }, {})).toEqual([message]);
    expect(
      problems({ ...raw, adoptDatabases: ["globex"] }, { AGENT_CLOUD_ADOPT_DATABASES: "acme" }),
    ).toEqual([message]);
    expect(
      problems({ ...raw, adoptDatabases: "acme" }, { AGENT_CLOUD_ADOPT_DATABASES: "acme" }),
    ).toEqual([message.replace('["globex"]', '"acme"')]);
    expect(applyOverrides({ ...raw, adoptDatabases: [] }, {}).adoptDatabases).toEqual([]);
  });
});

describe("overridesSet", () => {
  it.each([
    [{}, []],
    [{ AGENT_CLOUD_SKIP_BUILD: "0", AGENT_CLOUD_IMAGE_TAG: "" }, []],
    [
      { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: REF },
      ["AGENT_CLOUD_SKIP_BUILD", "AGENT_CLOUD_IMAGE_REF"],
    ],
    [{ AGENT_CLOUD_REBUILD: "0", AGENT_CLOUD_UNRELATED: "x" }, ["AGENT_CLOUD_REBUILD"]],
    [{ AGENT_CLOUD_TENANT_IMAGES: "{}" }, ["AGENT_CLOUD_TENANT_IMAGES"]],
  ])("%j → %j", (env, set) => {
    expect(overridesSet(env)).toEqual(set);
  });
});
