/**
 * `npm run check-config` and `ops check`: a stack file validated as `pulumi preview` will see it
 * (project defaults, values as text, only `secure:` values secret), every problem in one error,
 * and the README's example error is this command's real output.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../ops/cli";
import { runCheckConfig } from "../../scripts/check-config";
import { ConfigError } from "../../stacks/config/errors";
import {
  checkStackConfig,
  ENCRYPTED_VALUE_MARK,
  fromStackFile,
} from "../../stacks/config/stack-file";
import { checkProvidedCertificate } from "../../components/edge/wildcard-certificate-args";
import { makeSelfSignedCertificate, makeWildcardCertificate } from "../../testkit/edge/certs";
import { runProgram } from "../../testkit/mocks";
import { testContext } from "../../testkit/ops/fakes";
import { MemoryEngine, memoryStack } from "../../testkit/ops/memory-engine";

const ROOT = join(__dirname, "..", "..");
const FIXTURES = join(__dirname, "..", "fixtures", "check-config");

/** check-config on the stack files in `dir`, each line it writes kept. */
function check(dir: string, stack = "dev", env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCheckConfig(
    ["--stack", stack, "--dir", dir],
    (l) => out.push(l),
    (l) => err.push(l),
    env,
  );
  return { code, out, err };
}

/** check-config on a stack file `Pulumi.dev.yaml` holding `text`, in a folder of its own. */
function checkFile(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "check-config-"));
  try {
    writeFileSync(join(dir, "Pulumi.dev.yaml"), text);
    return check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const joined = ({ code, out, err }: ReturnType<typeof check>) => ({
  code,
  out: out.join("\n"),
  err: err.join("\n"),
});

/** check-config on a fixture folder, its output as text. */
function run(dir: string, stack = "dev", env: Record<string, string> = {}) {
  return joined(check(join(FIXTURES, dir), stack, env));
}

/** The fenced block under "Config reference" that shows the check's output. */
function readmeExample(): { command: string; output: string } {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /```\n(\$ npm run check-config[^\n]*)\n([\s\S]*?)\n```/.exec(readme);
  if (block === null) throw new Error("README.md has no check-config example block");
  return { command: block[1] ?? "", output: block[2] ?? "" };
}

/** check-config on the `good` fixture with its `agent-cloud:image` replaced. */
function runWithImage(image: Record<string, unknown>) {
  const config = { ...stackConfigOf("good"), "agent-cloud:image": image };
  return joined(checkFile(stringify({ config })));
}

function stackConfigOf(dir: string): Record<string, unknown> {
  const doc = parse(readFileSync(join(FIXTURES, dir, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  return doc.config;
}

/** The first lines of a minimal dev stack file: environment, domain, a pinned image. */
const DEV_FILE_HEAD = [
  "config:",
  "  agent-cloud:environment: dev",
  "  agent-cloud:domain: agents.example.com",
  `  agent-cloud:image: '{"ref":"ghcr.io/acme/agent@sha256:${"a".repeat(64)}"}'`,
];
describe("check-config", () => {
  it("the README's example error is the command's real output", () => {
    const example = readmeExample();
    expect(example.command).toBe(
      "$ npm run check-config -- --stack dev --dir test/fixtures/check-config/readme",
    );
    const result = run("readme");
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toBe(example.output);
    // Schema problems, cross-field problems and secrets in clear, all in one error.
    expect(result.err).toContain('(did you mean "customDomains"?)');
    expect(result.err).toContain("must be an email address, not a list");
    expect(result.err).toContain("tenants[0].env.OPENAI_API_KEY (clear text)");
    expect(result.err).not.toContain("hunter2");
    expect(result.err).not.toContain("sk-proj");
  });

  it("passes a stack file whose secrets are all secure: values, and says what it deploys", () => {
    expect(run("good")).toEqual({
      code: 0,
      out: "Pulumi.dev.yaml is valid: environment dev, domain dev.agents.example.com, 2 tenants (alpha, beta), TLS cloudflare-origin-ca, DNS cloudflare, database external, 2 proxy replicas",
      err: "",
    });
  });

  it("refuses what only a stack file can get wrong, with every problem listed", () => {
    const result = run("traps");
    expect(result.code).toBe(1);
    expect(result.err.split("\n")).toEqual([
      "Pulumi.dev.yaml: agent-cloud config is invalid (5 problems):",
      "  - cloudflare:apiToken (clear text): is a secret and must be stored encrypted; run: pulumi config rm cloudflare:apiToken && pulumi config set --secret cloudflare:apiToken <token>",
      `  - domain: stack config keys carry their namespace; write "agent-cloud:domain"`,
      `  - agent-coud:environment: unknown namespace "agent-coud" (did you mean "agent-cloud:environment"?); the program reads only agent-cloud:* keys`,
      "  - tenantSecrets.alpha.OPENAI_API_KEY (clear text): is a secret and must be stored encrypted; run: pulumi config set --secret --path 'tenantSecrets.alpha.OPENAI_API_KEY' <value>",
      `  - environment "12": must be lowercase letters and digits, starting with a letter, at most 12 characters`,
    ]);
    expect(result.err).not.toContain("cf-token-in-clear");
    expect(result.err).not.toContain("typed-in-by-hand");
  });

  it.each(["ghcr.io/Example-Org/agent", "localhost:5001/agent-cloud/sample-agent:v1"])(
    "refuses the image repository %s as AppImage would, with AppImage's message",
    (repository) => {
      expect(runWithImage({ context: "sample-agent", repository })).toEqual({
        code: 1,
        out: "",
        err:
          "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):\n" +
          `  - image.repository "${repository}": must be a lowercase repository such as ghcr.io/acme/agent or localhost:5001/acme/agent, with no tag or digest (a ':' only before a registry host's port; the tag goes in image.tag)`,
      });
    },
  );

  it("passes a repository on a registry host with a port", () => {
    const repository = "localhost:5001/agent-cloud/sample-agent";
    expect(runWithImage({ context: "sample-agent", repository }).code).toBe(0);
  });

  it("asks for the Cloudflare token where Cloudflare is used, unless the environment has one", () => {
    const config = stackConfigOf("good");
    delete config["cloudflare:apiToken"];
    expect(() => checkStackConfig(config)).toThrow(
      "cloudflare:apiToken: is required when Cloudflare manages DNS or certificates",
    );
    expect(() => checkStackConfig(config, {}, { CLOUDFLARE_API_TOKEN: "x" })).not.toThrow();
  });

  it("reads values as the engine hands them over: text, objects as JSON, project defaults", () => {
    const file = fromStackFile(
      {
        "agent-cloud:environment": 12,
        "agent-cloud:app": { port: 9000 },
        "agent-cloud:registryPassword": { secure: "v1:abc" },
        "kubernetes:context": "kind-agent-cloud",
      },
      { dns: { default: { provider: "none" } }, environment: {} },
    );
    expect(file).toEqual({
      raw: {
        environment: "12",
        app: { port: 9000 },
        registryPassword: "[secure]",
        dns: { provider: "none" },
      },
      secretKeys: ["registryPassword"],
      issues: [],
    });
  });

  const JWT = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.${"s".repeat(24)}`;
  const KUBECONFIG_FIX =
    "holds the cluster's credentials; store it encrypted (pulumi config rm kubernetes:kubeconfig && pulumi config set --secret kubernetes:kubeconfig < <file>) or give the file's path instead";
  it.each([
    [
      "cloudflare:apiKey in clear",
      { "cloudflare:apiKey": "0123456789abcdef0123456789abcdef01234" },
      [
        {
          path: "cloudflare:apiKey",
          received: "(clear text)",
          message:
            "is a secret and must be stored encrypted; run: pulumi config rm cloudflare:apiKey && pulumi config set --secret cloudflare:apiKey <key>",
        },
      ],
    ],
    [
      "cloudflare:apiUserServiceKey in clear",
      { "cloudflare:apiUserServiceKey": "v1.0-service-key" },
      [
        {
          path: "cloudflare:apiUserServiceKey",
          received: "(clear text)",
          message:
            "is a secret and must be stored encrypted; run: pulumi config rm cloudflare:apiUserServiceKey && pulumi config set --secret cloudflare:apiUserServiceKey <key>",
        },
      ],
    ],
    [
      "a kubeconfig's contents in clear (YAML)",
      {
        "kubernetes:kubeconfig":
          "apiVersion: v1\nclusters: []\nusers:\n- name: ci\n  user:\n    token: abc\n",
      },
      [
        {
          path: "kubernetes:kubeconfig",
          received: "(a kubeconfig's contents, in clear)",
          message: KUBECONFIG_FIX,
        },
      ],
    ],
    [
      "a kubeconfig's contents in clear (JSON on one line)",
      { "kubernetes:kubeconfig": '{"apiVersion":"v1","users":[]}' },
      [
        {
          path: "kubernetes:kubeconfig",
          received: "(a kubeconfig's contents, in clear)",
          message: KUBECONFIG_FIX,
        },
      ],
    ],
    [
      "a credential-shaped value under any provider key",
      { "kubernetes:clusterToken": JWT },
      [
        {
          path: "kubernetes:clusterToken",
          received: "(clear text)",
          message:
            "holds what looks like a JSON Web Token; store it encrypted: pulumi config set --secret kubernetes:clusterToken <value>",
        },
      ],
    ],
    ["a kubeconfig's path", { "kubernetes:kubeconfig": "~/.kube/agent-cloud.yaml" }, []],
    ["an encrypted kubeconfig", { "kubernetes:kubeconfig": { secure: "v1:abc" } }, []],
    ["an encrypted Cloudflare key", { "cloudflare:apiKey": { secure: "v1:abc" } }, []],
    ["a provider setting", { "kubernetes:context": "kind-agent-cloud" }, []],
  ])("a provider's secret in clear: %s", (_, config, issues) => {
    expect(fromStackFile(config).issues).toEqual(issues);
  });
  it("refuses a value set with --secret --path inside a key the program deploys in clear", () => {
    const { code, out, err } = checkFile(
      [
        ...DEV_FILE_HEAD,
        "  agent-cloud:tenants:",
        "    - id: acme",
        "      agentConfig:",
        "        upstream:",
        "          secure: v1:abc",
        "",
      ].join("\n"),
    );
    expect({ code, out }).toEqual({ code: 1, out: [] });
    expect(err).toEqual([
      "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):\n  - tenants (encrypted): holds a value set with --secret, but tenants is not a secret key: the program deploys it in clear; keep secrets in tenantSecrets (pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>, read by the app as environment variables) and set tenants without --secret",
    ]);
  });

  it("refuses a stack file that is not YAML as a config problem naming the file", () => {
    const { code, out, err } = checkFile("config:\n  agent-cloud:domain: [unclosed\n");
    expect({ code, out }).toEqual({ code: 1, out: [] });
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^Pulumi\.dev\.yaml: agent-cloud config is invalid \(1 problem\):\n {2}- Pulumi\.dev\.yaml: is not valid YAML: \S/,
    );
  });

  it("says which stack files exist when the name is wrong, and exits 2 without --stack", () => {
    expect(run("good", "prod")).toEqual({
      code: 1,
      out: "",
      err: `error: no stack file Pulumi.prod.yaml in ${join(FIXTURES, "good")}; stack files here: dev`,
    });
    const err: string[] = [];
    expect(
      runCheckConfig(
        [],
        () => undefined,
        (l) => err.push(l),
      ),
    ).toBe(2);
    expect(err).toEqual([
      "check-config: --stack is required\nusage: npm run check-config -- --stack NAME [--dir DIR]",
    ]);
  });
});

describe("ops check", () => {
  it("checks the stack file the ops engine reads, with the same error", async () => {
    const engine = new MemoryEngine({ dev: memoryStack({ config: stackConfigOf("readme") }) });
    const ctx = testContext(engine);
    expect(await main(["check", "--stack", "dev"], ctx)).toBe(1);
    expect(ctx.stderr.text.trimEnd()).toBe(readmeExample().output);

    const good = new MemoryEngine({ dev: memoryStack({ config: stackConfigOf("good") }) });
    const okCtx = testContext(good);
    expect(await main(["check", "--stack", "dev"], okCtx)).toBe(0);
    expect(okCtx.stdout.text).toContain("Pulumi.dev.yaml is valid: environment dev");
  });

  it("ignores image overrides left in the shell, as ops deploys without them", async () => {
    const left = { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_TAG: "not a tag" };
    Object.assign(process.env, left);
    try {
      const ctx = testContext(
        new MemoryEngine({ dev: memoryStack({ config: stackConfigOf("good") }) }),
      );
      expect(await main(["check", "--stack", "dev"], ctx)).toBe(0);
      expect(ctx.stderr.text).toBe("");
    } finally {
      for (const key of Object.keys(left)) delete process.env[key];
    }
  });
});

describe("under pulumi preview", () => {
  it("a bad config stops the program with a RunError carrying the message alone", async () => {
    const file = fromStackFile(stackConfigOf("readme"));
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.raw))
      config[`agent-cloud:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    vi.resetModules();
    let error: unknown;
    try {
      await runProgram(async () => import("../../stacks/index.js"), { stack: "dev", config });
    } catch (e) {
      error = e;
    }
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error).not.toBeInstanceOf(ConfigError);
    const expected = readmeExample().output.replace(/^Pulumi\.dev\.yaml: /, "");
    expect((error as Error).message).toBe(expected);
  });
});

/** A dev stack file in `provided` TLS mode with `certificate`; the key a secure: ciphertext. */
function providedTlsFile(certificate: string): string {
  return stringify({
    config: {
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "agents.example.com",
      "agent-cloud:image": { ref: `ghcr.io/acme/agent@sha256:${"a".repeat(64)}` },
      "agent-cloud:tls": { mode: "provided", certificate },
      "agent-cloud:tlsPrivateKey": { secure: "v1:AAAAAAAAAAAAAAAA:a2V5" },
      "agent-cloud:tenants": [{ id: "acme" }],
    },
  });
}

/** A dev stack file whose proxy's limits are `cpu` and `memory`. */
function proxyLimitsFile(cpu: string, memory: string): string {
  return stringify({
    config: {
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "agents.example.com",
      "agent-cloud:image": { ref: `ghcr.io/acme/agent@sha256:${"a".repeat(64)}` },
      "agent-cloud:tenants": [{ id: "acme" }, { id: "globex" }],
      "agent-cloud:proxy": {
        resources: { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu, memory } },
      },
    },
  });
}

/** What the program (stacks/index.ts under mocks) stops with for a stack file's config. */
async function programError(text: string): Promise<string | undefined> {
  const file = fromStackFile((parse(text) as { config: Record<string, unknown> }).config);
  const config: Record<string, string> = {};
  // A secure: value reaches the program decrypted; a stand-in here (never parsed as a key: the
  // config is refused before any component runs).
  for (const [k, v] of Object.entries(file.raw))
    config[`agent-cloud:${k}`] =
      v === ENCRYPTED_VALUE_MARK ? "stand-in" : typeof v === "string" ? v : JSON.stringify(v);
  const secretKeys = file.secretKeys.map((k) => `agent-cloud:${k}`);
  vi.resetModules();
  try {
    await runProgram(async () => import("../../stacks/index.js"), {
      stack: "dev",
      config,
      secretKeys,
    });
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

describe("check-config applies the checks the edge components make", () => {
  let dir = "";
  let wrong = "";
  let right = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "check-config-certs-"));
    wrong = makeSelfSignedCertificate(dir, "wrong", "wrong.example", [
      "wrong.example",
    ]).certificatePem;
    right = makeWildcardCertificate(dir, "agents.example.com").pem;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a provided certificate for other names, as WildcardCertificate does", async () => {
    const text = providedTlsFile(wrong);
    const expected = [
      "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):",
      "  - tls.certificate: does not cover *.agents.example.com and agents.example.com (its DNS names: wrong.example); issue one for both *.agents.example.com and agents.example.com",
    ].join("\n");
    expect(joined(checkFile(text))).toEqual({ code: 1, out: "", err: expected });
    // The component's own words for the same certificate, from the same function.
    expect(checkProvidedCertificate("agents.example.com", wrong)).toEqual([
      "certificatePem: does not cover *.agents.example.com and agents.example.com (its DNS names: wrong.example); issue one for both *.agents.example.com and agents.example.com",
    ]);
    expect(await programError(text)).toBe(expected.replace(/^Pulumi\.dev\.yaml: /, ""));
  });

  it("refuses a provided certificate that does not parse, showing how it starts", () => {
    const garbage = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    expect(joined(checkFile(providedTlsFile(garbage)))).toEqual({
      code: 1,
      out: "",
      err: [
        "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):",
        `  - tls.certificate "-----BEGIN CERTIFICATE-----\\nnot base64 at all\\n-----END...: is not a PEM certificate (error:04800064:PEM routines::bad base64 decode)`,
      ].join("\n"),
    });
  });

  it("passes a provided certificate for both names; its key is checked when the program runs", () => {
    expect(joined(checkFile(providedTlsFile(right)))).toEqual({
      code: 0,
      out: "Pulumi.dev.yaml is valid: environment dev, domain agents.example.com, 1 tenant (acme), TLS provided, DNS none, database in-cluster, 2 proxy replicas",
      err: "",
    });
  });

  it("refuses a proxy memory limit too small for its draining workers, as ManagementProxy does", async () => {
    const text = proxyLimitsFile("2", "64Mi");
    const expected = [
      "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):",
      `  - proxy.resources.limits.memory "64Mi": holds 0 draining nginx workers beside 2 tenants' route table (about 1 MiB a copy), fewer than the 2 workers a route change leaves draining: at least 81Mi is needed (2 workers: one per CPU of proxy.resources.limits.cpu "2")`,
    ].join("\n");
    expect(joined(checkFile(text))).toEqual({ code: 1, out: "", err: expected });
    expect(await programError(text)).toBe(expected.replace(/^Pulumi\.dev\.yaml: /, ""));
    expect(joined(checkFile(proxyLimitsFile("2", "81Mi"))).code).toBe(0);
    expect(joined(checkFile(proxyLimitsFile("1", "73Mi"))).code).toBe(0);
  });

  it("refuses a CPU limit that runs more nginx workers than nginx allows, as ManagementProxy does", () => {
    expect(joined(checkFile(proxyLimitsFile("300", "8Gi")))).toEqual({
      code: 1,
      out: "",
      err: [
        "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):",
        `  - proxy.resources.limits.cpu "300": runs one nginx worker per CPU, at most 256; set workerProcesses for a larger limit`,
      ].join("\n"),
    });
  });
});

describe("check-config with tenantSecrets set as one secret", () => {
  const head = [
    ...DEV_FILE_HEAD,
    "  agent-cloud:tenants:",
    "    - id: acme",
    "      env:",
    "        LOG_LEVEL: debug",
  ];

  it("passes a whole-key secure tenantSecrets (pulumi config set --secret tenantSecrets '{...}'): set, contents unknown", () => {
    const text = [
      ...head,
      "  agent-cloud:tenantSecrets:",
      "    secure: v1:AAAAAAAAAAAAAAAA:e30=",
      "",
    ];
    expect(joined(checkFile(text.join("\n")))).toEqual({
      code: 0,
      out: "Pulumi.dev.yaml is valid: environment dev, domain agents.example.com, 1 tenant (acme), TLS self-signed, DNS none, database in-cluster, 2 proxy replicas",
      err: "",
    });
    expect(
      fromStackFile({ "agent-cloud:tenantSecrets": { secure: "v1:AAAAAAAAAAAAAAAA:e30=" } }),
    ).toEqual({ raw: { tenantSecrets: {} }, secretKeys: ["tenantSecrets"], issues: [] });
  });

  it("still reads per-path secure values entry by entry", () => {
    const entry = (tenant: string) => [
      `    ${tenant}:`,
      "      ANTHROPIC_API_KEY:",
      "        secure: v1:AAAAAAAAAAAAAAAA:a2V5",
    ];
    const good = [...head, "  agent-cloud:tenantSecrets:", ...entry("acme"), ""];
    expect(joined(checkFile(good.join("\n"))).code).toBe(0);
    const stray = [
      ...head,
      "  agent-cloud:tenantSecrets:",
      ...entry("acme"),
      ...entry("initech"),
      "",
    ];
    expect(joined(checkFile(stray.join("\n")))).toEqual({
      code: 1,
      out: "",
      err: [
        "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):",
        `  - tenantSecrets.initech: no tenant has id "initech"; remove it with: pulumi config rm --path 'tenantSecrets.initech'`,
      ].join("\n"),
    });
  });

  it("still refuses tenantSecrets given in clear text", () => {
    const clear = [...head, "  agent-cloud:tenantSecrets:", "    acme:", "      TOKEN: abc", ""];
    expect(joined(checkFile(clear.join("\n")))).toEqual({
      code: 1,
      out: "",
      err: [
        "Pulumi.dev.yaml: agent-cloud config is invalid (1 problem):",
        "  - tenantSecrets (clear text): is a secret and must be stored encrypted; run: pulumi config rm tenantSecrets && pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>",
      ].join("\n"),
    });
  });
});
