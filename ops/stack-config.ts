/**
 * Reading the parts of a stack's raw config the ops commands need (tenants, groups, health path,
 * DNS mode), without decrypting anything: encrypted values stay `{ secure: "<ciphertext>" }`.
 */
import type { RecordedConfigValue, StackConfig } from "./engine";

/** The project's config namespace. */
export const NS = "agent-cloud";
/** Full keys of the config entries the ops tool reads or writes. */
export const KEY = {
  environment: `${NS}:environment`,
  domain: `${NS}:domain`,
  image: `${NS}:image`,
  tenants: `${NS}:tenants`,
  app: `${NS}:app`,
  dns: `${NS}:dns`,
} as const;

/** A tenant entry of `agent-cloud:tenants`, as far as the ops tool reads it. */
export interface TenantEntry {
  readonly id: string;
  readonly groups: readonly string[];
  readonly customDomains: readonly string[];
  readonly agentConfig?: unknown;
  readonly image?: string;
}

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
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The tenants of a stack's config, in file order (entries without an id are skipped). */
export function tenantsOf(config: StackConfig): TenantEntry[] {
  const raw = config[KEY.tenants];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: unknown) => {
    const t = asRecord(entry);
    if (typeof t.id !== "string") return [];
    return [
      {
        id: t.id,
        groups: strings(t.groups),
        customDomains: strings(t.customDomains),
        agentConfig: t.agentConfig,
        image: typeof t.image === "string" ? t.image : undefined,
      },
    ];
  });
}

/** `agent-cloud:environment`, or undefined. */
export function environmentOf(config: StackConfig): string | undefined {
  const value = config[KEY.environment];
  return typeof value === "string" ? value : undefined;
}

/** The path tenants answer health checks on (`app.healthPath`, default `/api/v1/health`). */
export function healthPathOf(config: StackConfig): string {
  const path = asRecord(config[KEY.app]).healthPath;
  return typeof path === "string" && path.startsWith("/") ? path : "/api/v1/health";
}

/** How the stack publishes DNS: Cloudflare proxying (orange cloud) hides the proxy's address. */
export function dnsModeOf(config: StackConfig): { provider: string; proxied: boolean } {
  const dns = asRecord(config[KEY.dns]);
  const provider = typeof dns.provider === "string" ? dns.provider : "none";
  return { provider, proxied: provider === "cloudflare" && dns.proxied !== false };
}

/** `image.ref` of the stack's config, if set. */
export function imageRefOf(config: StackConfig): string | undefined {
  const ref = asRecord(config[KEY.image]).ref;
  return typeof ref === "string" ? ref : undefined;
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
  const protect = asRecord(config[`${NS}:database`]).protect;
  return typeof protect === "boolean" ? protect : environmentOf(config) === "production";
}
