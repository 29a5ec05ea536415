/**
 * A stack file (`Pulumi.<stack>.yaml`) checked the way `pulumi preview` will see it, without the
 * Pulumi CLI: project defaults from `Pulumi.yaml` fill keys the stack leaves out, top-level values
 * reach the program as text (objects as JSON), and only `secure:` values are secrets. Nothing is
 * decrypted: a secure value is known to be set, not what it holds.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, type ConfigIssue } from "./errors";
import { closestKey, schemaAt } from "./describe";
import { applyOverrides } from "./overrides";
import { parseConfig } from "./parse";
import { type PlatformConfig } from "../../model/platform-config";
import { CONFIG_NAMESPACE, configSchema, isSecretKey } from "../../model/config-schema";
import { secretShape } from "../../model/rules/secrets";

/** What a `secure:` value reads as here: it is set and encrypted, and its clear text is never read. */
export const ENCRYPTED_VALUE_MARK = "[secure]";

/**
 * Whether secret key `key` holds a map (`tenantSecrets`) rather than text. Such a key given whole
 * as one `secure:` value (`pulumi config set --secret tenantSecrets '{"acme":{...}}'`) is set, its
 * contents unknown: the program decrypts the map, but here it reads as an empty one, so it is
 * not refused as text, and the rules that look inside (which tenant an entry names, a name also
 * in a tenant's env) have no entry to check; the program checks them.
 */
function isMapSecretKey(key: string): boolean {
  const schema = isSecretKey(key) ? schemaAt(configSchema, [key], undefined) : undefined;
  const type = schema?._zod.def.type;
  return type === "record" || type === "object";
}

/** Keys outside `agent-cloud:` that hold secrets the program or its providers read. */
export const OTHER_SECRET_KEYS: Readonly<Record<string, string>> = {
  "cloudflare:apiToken": "pulumi config set --secret cloudflare:apiToken <token>",
  "cloudflare:apiKey": "pulumi config set --secret cloudflare:apiKey <key>",
  "cloudflare:apiUserServiceKey": "pulumi config set --secret cloudflare:apiUserServiceKey <key>",
};

/**
 * The Kubernetes provider's `kubeconfig`: a file's path, which is no secret, or the file's
 * contents, whose users' tokens, client keys and passwords are credentials to the cluster.
 */
const KUBECONFIG_KEY = "kubernetes:kubeconfig";

/** Whether a `kubernetes:kubeconfig` value is a kubeconfig's contents rather than its path. */
function isKubeconfigContents(value: unknown): boolean {
  if (typeof value !== "string") return value !== null && typeof value === "object";
  return (
    /[\r\n]/.test(value.trim()) || /^\s*\{/.test(value) || /\b(?:users|clusters)\s*:/.test(value)
  );
}

/** Every plain (not `secure:`) scalar leaf inside a value, with its path under `at`. */
function plainLeaves(value: unknown, at: string): { path: string; value: unknown }[] {
  if (isSecure(value)) return [];
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      plainLeaves(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`),
    );
  }
  return [{ path: at, value }];
}

/** Every plain string leaf of a value, with its path under `at`. */
function stringLeaves(value: unknown, at: string): { path: string; text: string }[] {
  return plainLeaves(value, at).flatMap((leaf) =>
    typeof leaf.value === "string" ? [{ path: leaf.path, text: leaf.value }] : [],
  );
}

/**
 * What a provider's key (outside `agent-cloud:`) holds in clear that is a secret: a key that is
 * one ({@link OTHER_SECRET_KEYS}), a kubeconfig's contents, or any plain value shaped like a
 * credential (model/rules/secrets.ts). The engine hands these to the provider, never to the
 * program as secrets, and the stack's history keeps them in clear.
 */
function providerSecretsInClear(fullKey: string, value: unknown): ConfigIssue[] {
  const fix = OTHER_SECRET_KEYS[fullKey];
  const set = value !== undefined && value !== "" && !isSecure(value);
  if (fix !== undefined) {
    return set
      ? [
          {
            path: fullKey,
            received: "(clear text)",
            message: `is a secret and must be stored encrypted; run: pulumi config rm ${fullKey} && ${fix}`,
          },
        ]
      : [];
  }
  if (fullKey === KUBECONFIG_KEY && set && isKubeconfigContents(value)) {
    return [
      {
        path: fullKey,
        received: "(a kubeconfig's contents, in clear)",
        message: `holds the cluster's credentials; store it encrypted (pulumi config rm ${KUBECONFIG_KEY} && pulumi config set --secret ${KUBECONFIG_KEY} < <file>) or give the file's path instead`,
      },
    ];
  }
  return stringLeaves(value, fullKey).flatMap(({ path: leaf, text }) => {
    const shape = secretShape(text);
    return shape === undefined
      ? []
      : [
          {
            path: leaf,
            received: "(clear text)",
            message: `holds what looks like ${shape}; store it encrypted: pulumi config set --secret ${leaf === fullKey ? fullKey : `--path '${leaf}'`} <value>`,
          },
        ];
  });
}

/** Namespaces a stack file of this project may use (the project's and its providers'). */
const KNOWN_NAMESPACES = [CONFIG_NAMESPACE, "kubernetes", "cloudflare", "pulumi", "random", "tls"];

/** The `config:` block of Pulumi.yaml: `{ key: { type?, default?, description? } }`. */
export type ProjectConfig = Readonly<Record<string, { readonly default?: unknown }>>;

function isSecure(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** The value with every `secure:` leaf replaced by {@link ENCRYPTED_VALUE_MARK}; reports whether it had one. */
function stripSecure(value: unknown): { value: unknown; secure: boolean } {
  if (isSecure(value)) return { value: ENCRYPTED_VALUE_MARK, secure: true };
  if (Array.isArray(value)) {
    const parts = value.map(stripSecure);
    return { value: parts.map((p) => p.value), secure: parts.some((p) => p.secure) };
  }
  if (value !== null && typeof value === "object") {
    const parts = Object.entries(value).map(([k, v]) => [k, stripSecure(v)] as const);
    return {
      value: Object.fromEntries(parts.map(([k, p]) => [k, p.value])),
      secure: parts.some(([, p]) => p.secure),
    };
  }
  return { value, secure: false };
}

/** Paths of the plain (not `secure:`) scalar leaves inside a value. */
function clearLeaves(value: unknown, at: string): string[] {
  return plainLeaves(value, at).flatMap((leaf) =>
    leaf.value === undefined || leaf.value === null || leaf.value === "" ? [] : [leaf.path],
  );
}

/** The engine hands every top-level value to the program as text: objects as JSON. */
function asEngineText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What the program's loader does with that text (stacks/config/load.ts). */
export function decodeConfigText(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Engine-shaped input for parseConfig, and the problems only the stack file shows. */
export interface StackFileConfig {
  /** `agent-cloud:*` values without the namespace, decoded as the program decodes them. */
  readonly raw: Record<string, unknown>;
  /** Keys (without namespace) that were `secure:` in the file. */
  readonly secretKeys: readonly string[];
  readonly issues: readonly ConfigIssue[];
}

/**
 * The secrets key `fullKey` of a stack file holds in clear, which the engine cannot show the
 * program: a provider's secret in clear ({@link providerSecretsInClear}), and the clear leaves of
 * a secret key of ours that has a `secure:` leaf. `pulumi config set --secret --path` encrypts one
 * leaf and the engine then calls the whole key secret, so a leaf added in clear beside it reaches
 * the program as a secret like the others.
 */
function secretsInClearAt(fullKey: string, value: unknown): ConfigIssue[] {
  const prefix = `${CONFIG_NAMESPACE}:`;
  if (!fullKey.startsWith(prefix)) return providerSecretsInClear(fullKey, value);
  const key = fullKey.slice(prefix.length);
  if (!isSecretKey(key) || !stripSecure(value).secure) return [];
  return clearLeaves(value, key).map((leaf) => ({
    path: leaf,
    received: "(clear text)",
    message: `is a secret and must be stored encrypted; run: pulumi config set --secret --path '${leaf}' <value>`,
  }));
}

/**
 * Every secret a stack file's `config:` block holds in clear where the engine reports it as
 * secret or not at all ({@link secretsInClearAt}). The program refuses them too (load.ts), since
 * a `pulumi up` or a CI preview that never ran check-config would deploy them.
 */
export function secretsInClear(stackConfig: Readonly<Record<string, unknown>>): ConfigIssue[] {
  return Object.entries(stackConfig).flatMap(([fullKey, value]) =>
    secretsInClearAt(fullKey, value),
  );
}

/** Reads a stack file's `config:` block (and the project's defaults) as the engine would. */
export function fromStackFile(
  stackConfig: Readonly<Record<string, unknown>>,
  projectConfig: ProjectConfig = {},
): StackFileConfig {
  const raw: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const [fullKey, value] of Object.entries(stackConfig)) {
    const colon = fullKey.indexOf(":");
    if (colon < 0) {
      issues.push({
        path: fullKey,
        message: `stack config keys carry their namespace; write "${CONFIG_NAMESPACE}:${fullKey}"`,
      });
      continue;
    }
    const namespace = fullKey.slice(0, colon);
    const key = fullKey.slice(colon + 1);
    const stripped = stripSecure(value);
    issues.push(...secretsInClearAt(fullKey, value));
    if (namespace !== CONFIG_NAMESPACE) {
      const near = closestKey(namespace, KNOWN_NAMESPACES);
      if (!KNOWN_NAMESPACES.includes(namespace) && near === CONFIG_NAMESPACE) {
        issues.push({
          path: fullKey,
          message: `unknown namespace "${namespace}" (did you mean "${CONFIG_NAMESPACE}:${key}"?); the program reads only ${CONFIG_NAMESPACE}:* keys`,
        });
      }
      continue;
    }
    raw[key] =
      isSecure(value) && isMapSecretKey(key) ? {} : decodeConfigText(asEngineText(stripped.value));
    if (stripped.secure) secretKeys.push(key);
  }
  for (const [key, declared] of Object.entries(projectConfig)) {
    if (!(key in raw) && declared.default !== undefined) {
      raw[key] = decodeConfigText(asEngineText(declared.default));
    }
  }
  return { raw, secretKeys, issues };
}

/**
 * Validates a stack file as `pulumi preview` would and returns the typed config; throws one
 * {@link ConfigError} listing every problem (the file's own and parseConfig's).
 */
export function checkStackConfig(
  stackConfig: Readonly<Record<string, unknown>>,
  projectConfig: ProjectConfig = {},
  env: Readonly<Record<string, string | undefined>> = {},
): PlatformConfig {
  const file = fromStackFile(stackConfig, projectConfig);
  const fileIssues = [...file.issues, ...cloudflareTokenIssues(file.raw, stackConfig, env)];
  return parseWithFileIssues(fileIssues, () =>
    parseConfig(applyOverrides(file.raw, env), { secretKeys: file.secretKeys }),
  );
}

/**
 * `parse()`'s config, or one {@link ConfigError} listing `fileIssues` (what only the stack file
 * shows) before parseConfig's own problems.
 */
export function parseWithFileIssues(
  fileIssues: readonly ConfigIssue[],
  parse: () => PlatformConfig,
): PlatformConfig {
  let parsed: PlatformConfig | undefined;
  let issues: readonly ConfigIssue[] = [];
  try {
    parsed = parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues = error.issues;
  }
  if (fileIssues.length > 0 || parsed === undefined) {
    throw new ConfigError([...fileIssues, ...issues]);
  }
  return parsed;
}

/** The `config:` block of `<dir>/Pulumi.<stack>.yaml`; undefined when there is no such file. */
export function readStackFileBlock(
  dir: string,
  stack: string,
): Record<string, unknown> | undefined {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return undefined;
  const doc = readYamlFile(file) as { config?: Record<string, unknown> } | null;
  return doc?.config ?? {};
}

/**
 * Cloudflare DNS, Origin CA certificates and ACME's DNS-01 all call Cloudflare with
 * `cloudflare:apiToken` (or `CLOUDFLARE_API_TOKEN` in the environment); without one the first
 * preview fails inside the provider.
 */
function cloudflareTokenIssues(
  raw: Readonly<Record<string, unknown>>,
  stackConfig: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): ConfigIssue[] {
  const field = (key: string, name: string): unknown => {
    const value = raw[key];
    return value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)[name]
      : undefined;
  };
  const uses =
    field("dns", "provider") === "cloudflare" ||
    field("tls", "mode") === "acme" ||
    field("tls", "mode") === "cloudflare-origin-ca";
  const token = stackConfig["cloudflare:apiToken"];
  const set = (token !== undefined && token !== "") || (env.CLOUDFLARE_API_TOKEN ?? "") !== "";
  if (!uses || set) return [];
  return [
    {
      path: "cloudflare:apiToken",
      message: `is required when Cloudflare manages DNS or certificates (dns.provider: cloudflare, tls.mode: acme or cloudflare-origin-ca); run: ${OTHER_SECRET_KEYS["cloudflare:apiToken"]}`,
    },
  ];
}

/** Reads `<dir>/Pulumi.<stack>.yaml` and `<dir>/Pulumi.yaml` and checks them; see {@link checkStackConfig}. */
export function checkStackFileOnDisk(
  dir: string,
  stack: string,
  env: Readonly<Record<string, string | undefined>> = {},
): PlatformConfig {
  const stackConfig = readStackFileBlock(dir, stack);
  if (stackConfig === undefined) {
    const stacks = readdirSync(dir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
    throw new Error(
      `no stack file Pulumi.${stack}.yaml in ${dir}; stack files here: ${stacks.join(", ") || "none"}`,
    );
  }
  // A folder of stack files without its own Pulumi.yaml (a test fixture) uses this project's.
  const projectFile =
    [path.join(dir, "Pulumi.yaml"), path.join(__dirname, "..", "..", "Pulumi.yaml")].find(
      existsSync,
    ) ?? "";
  const projectDoc =
    projectFile !== "" ? (readYamlFile(projectFile) as { config?: ProjectConfig } | null) : null;
  return checkStackConfig(stackConfig, projectDoc?.config ?? {}, env);
}

/** A YAML file's content; text that is not YAML is a ConfigError naming the file. */
export function readYamlFile(file: string): unknown {
  const doc = parseDocument(readFileSync(file, "utf8"));
  const [error] = doc.errors;
  if (error !== undefined) {
    throw new ConfigError([
      { path: path.basename(file), message: `is not valid YAML: ${error.message}` },
    ]);
  }
  return doc.toJS() as unknown;
}

/** One line saying what a valid config deploys. */
export function describeConfig(config: PlatformConfig): string {
  const ids = config.tenants.map((tenant) => tenant.id);
  return (
    `environment ${config.environment}, domain ${config.domain}, ${ids.length} ${ids.length === 1 ? "tenant" : "tenants"}` +
    `${ids.length > 0 ? ` (${ids.join(", ")})` : ""}, TLS ${config.tls.mode}, DNS ${config.dns.provider}, ` +
    `database ${config.database.mode}, ${config.proxy.replicas} proxy ${config.proxy.replicas === 1 ? "replica" : "replicas"}`
  );
}
