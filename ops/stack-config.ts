/**
 * Reading the parts of a stack's raw config the ops commands need (tenants, groups, health path,
 * DNS mode), without decrypting anything: encrypted values stay `{ secure: "<ciphertext>" }`.
 */
import { CONFIG_NAMESPACE, configSchema, type RawPlatformConfig } from "../model/config-schema";
import type { RecordedConfigValue, StackConfig } from "./engine";
import { DEFAULT_IMAGE_PLATFORMS, registryHost, repositoryOfRef } from "../model/patterns";

/** A top-level key of the config schema (`tenants`, `dns`, ...). */
export type ConfigField = keyof RawPlatformConfig;

/** `agent-cloud:<field>`: a schema field as Pulumi.<stack>.yaml spells its key. */
export function configKey<Field extends ConfigField>(
  field: Field,
): `${typeof CONFIG_NAMESPACE}:${Field}` {
  return `${CONFIG_NAMESPACE}:${field}`;
}

/** Full keys of the config entries the ops tool reads or writes. */
export const KEY = {
  environment: configKey("environment"),
  domain: configKey("domain"),
  image: configKey("image"),
  tenants: configKey("tenants"),
  app: configKey("app"),
  dns: configKey("dns"),
  database: configKey("database"),
  shards: configKey("shards"),
  shard: configKey("shard"),
  tenantSecrets: configKey("tenantSecrets"),
} as const;

/** Every field any member of a union has (`keyof` of a union keeps only the shared ones). */
type FieldsOfAny<Shape> = Shape extends unknown ? keyof Shape : never;

/**
 * An object-valued config entry as read from a stack file: the schema's field names (all of
 * them, across a discriminated union's members), with values left unchecked, since the file has
 * not been validated and secure values stay ciphertext.
 */
export type ConfigSection<Field extends ConfigField> = {
  readonly [Name in FieldsOfAny<NonNullable<RawPlatformConfig[Field]>>]?: unknown;
};

/** The object under `agent-cloud:<field>`, or `{}` when it is absent or not an object. */
export function sectionOf<Field extends ConfigField>(
  config: StackConfig,
  field: Field,
): ConfigSection<Field> {
  return asRecord(config[configKey(field)]);
}

/** One entry of `agent-cloud:tenants` as the schema takes it from the file (before defaults). */
type RawTenant = NonNullable<RawPlatformConfig["tenants"]>[number];

/**
 * A tenant entry of `agent-cloud:tenants`, as far as the ops tool reads it: the schema's input
 * fields (so a schema change shows up here as a type error), with the lists' `[]` filled in.
 */
export type TenantEntry = Readonly<
  Pick<RawTenant, "id" | "agentConfig" | "image" | "suspended">
> & {
  readonly [List in "groups" | "customDomains"]: Readonly<NonNullable<RawTenant[List]>>;
};

/** The app section's defaults, as the schema fills them in. */
const APP_DEFAULTS = configSchema.shape.app.parse(undefined);

/** Whether a config value is an encrypted leaf (`{ secure: "..." }`). */
export function isSecure(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** Whether a value holds an encrypted leaf anywhere inside it. */
export function containsSecure(value: unknown): boolean {
  if (isSecure(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecure);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecure);
  return false;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/** A tenant entry read leniently: fields of the wrong kind read as absent (or empty lists). */
function tenantEntry(entry: unknown): TenantEntry | undefined {
  const fields: { readonly [Name in keyof RawTenant]?: unknown } = asRecord(entry);
  if (typeof fields.id !== "string") return undefined;
  const agentConfig = fields.agentConfig;
  return {
    id: fields.id,
    groups: strings(fields.groups),
    customDomains: strings(fields.customDomains),
    agentConfig:
      typeof agentConfig === "object" && agentConfig !== null && !Array.isArray(agentConfig)
        ? (agentConfig as Record<string, unknown>)
        : undefined,
    image: typeof fields.image === "string" ? fields.image : undefined,
    suspended: typeof fields.suspended === "boolean" ? fields.suspended : undefined,
  };
}

/** The tenants of a stack's config, in file order (entries without an id are skipped). */
export function tenantsOf(config: StackConfig): TenantEntry[] {
  const raw = config[KEY.tenants];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: unknown) => tenantEntry(entry) ?? []);
}

/** `agent-cloud:environment`, or undefined. */
export function environmentOf(config: StackConfig): string | undefined {
  const value = config[KEY.environment];
  return typeof value === "string" ? value : undefined;
}

/** The path tenants answer health checks on (`app.healthPath`, default `/api/v1/health`). */
export function healthPathOf(config: StackConfig): string {
  const path = sectionOf(config, "app").healthPath;
  return typeof path === "string" && path.startsWith("/") ? path : APP_DEFAULTS.healthPath;
}

/** How the stack publishes DNS: Cloudflare proxying (orange cloud) hides the proxy's address. */
export function dnsModeOf(config: StackConfig): { provider: string; proxied: boolean } {
  const dns = sectionOf(config, "dns");
  const provider = typeof dns.provider === "string" ? dns.provider : "none";
  return { provider, proxied: provider === "cloudflare" && dns.proxied !== false };
}

/** `image.ref` of the stack's config, if set. */
export function imageRefOf(config: StackConfig): string | undefined {
  const ref = sectionOf(config, "image").ref;
  return typeof ref === "string" ? ref : undefined;
}

/** The platforms a stack's builds cover, and so its nodes run: its image.platforms, or the default. */
export function platformsOf(config: StackConfig): string[] {
  const { platforms } = sectionOf(config, "image");
  return Array.isArray(platforms) && platforms.every((p) => typeof p === "string")
    ? [...platforms]
    : [...DEFAULT_IMAGE_PLATFORMS];
}

/**
 * The registries a stack's cluster pulls its images from: the hosts of its image.repository
 * (where its builds push) and of its image.ref (the image it pins), each that the file sets.
 */
export function pullRegistriesOf(config: StackConfig): string[] {
  const { repository } = sectionOf(config, "image");
  const ref = imageRefOf(config);
  const repositories = [
    ...(typeof repository === "string" ? [repository] : []),
    ...(ref === undefined ? [] : [repositoryOfRef(ref)]),
  ];
  return [...new Set(repositories.map(registryHost))];
}

/**
 * A config value recorded in history (text; objects as JSON text) back to its YAML value, so
 * `"3"` stays the string "3" and `{"ref":"..."}` becomes an object.
 */
export function fromRecorded(value: RecordedConfigValue): unknown {
  const text = value.value ?? "";
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Whether the stack protects its databases (`database.protect`, default: in production). */
export function databaseProtectedOf(config: StackConfig): boolean {
  const protect = sectionOf(config, "database").protect;
  return typeof protect === "boolean" ? protect : environmentOf(config) === "production";
}
