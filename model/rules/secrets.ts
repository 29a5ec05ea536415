/**
 * The platform's one secret detector: what "looks like a secret" in plain configuration. The
 * config validation (tenant env, agentConfig), the policy pack (ConfigMaps, env, args,
 * annotations) and the build-context scan all call it, so they agree. No dependencies.
 *
 * Names are judged by their LAST words, so `OPENAI_API_KEY`, `DB_PASSWORD`, `SMTP_PASS`,
 * `SLACK_WEBHOOK_URL` count while `MAX_TOKENS`, `TOKEN_URL`, `PASSWORD_FILE` or `SECRET_NAME`
 * (an agent's ordinary settings, or pointers to a secret) do not. Values are judged by
 * well-known credential shapes. Findings never echo the value.
 */

/** Last words that make a name secret on their own. */
const SECRET_WORDS = new Set([
  "TOKEN",
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PWD",
  "AUTHORIZATION",
  "COOKIE",
  "DSN",
  "PASSPHRASE",
  "SECRET",
  "SECRETS",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
]);
/** Words that, followed by KEY, make a key secret: API_KEY, SECRET_KEY, PRIVATE_KEY ... */
const KEY_QUALIFIERS = new Set([
  "API",
  "SECRET",
  "PRIVATE",
  "ACCESS",
  "SIGNING",
  "ENCRYPTION",
  "MASTER",
  "LICENSE",
  "HMAC",
  "JWT",
  "AUTH",
]);
/** Last two words that make a name secret: a URL that is itself the credential. */
const SECRET_PAIRS = new Set(["WEBHOOK_URL", "WEBHOOK_URI", "CONNECTION_STRING", "HOOK_URL"]);
/** File extensions a ConfigMap key may carry (`secrets.json`): judged on the name before it. */
const FILE_EXTENSION = /\.(json|ya?ml|env|txt|conf|ini|toml|properties)$/i;

function words(name: string): string[] {
  return name
    .replace(FILE_EXTENSION, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== "");
}

/** Whether a variable or key name says it holds a secret. */
export function isSecretName(name: string): boolean {
  const w = words(name);
  const last = w[w.length - 1];
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  if (SECRET_PAIRS.has(`${w[w.length - 2] ?? ""}_${last}`)) return true;
  return last === "KEY" && KEY_QUALIFIERS.has(w[w.length - 2] ?? "");
}

/** A PEM private key block's first line, of any key type. */
export const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

const VALUE_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [PRIVATE_KEY_PEM, "a PEM private key (-----BEGIN ... PRIVATE KEY-----)"],
  [/\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/, "an OpenAI/Anthropic API key (sk-...)"],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token (ghp_...)"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id (AKIA...)"],
  [/\bAIza[0-9A-Za-z_-]{35}/, "a Google/Gemini API key (AIza...)"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token (xox...)"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JSON Web Token"],
  [/\bac_[a-z0-9-]{1,12}_[A-Za-z0-9]{16,}/, "an agent-cloud API key (ac_{environment}_...)"],
  [
    /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/,
    "a Stripe secret or restricted key (sk_/rk_live_...)",
  ],
  [/\bSG\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/, "a SendGrid API key (SG....)"],
  [/\bwhsec_[A-Za-z0-9]{16,}/, "a webhook signing secret (whsec_...)"],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, "a GitLab token (glpat-...)"],
  [/\bnpm_[A-Za-z0-9]{36}\b/, "an npm token (npm_...)"],
  [/\bhf_[A-Za-z0-9]{30,}/, "a Hugging Face token (hf_...)"],
  [
    /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/,
    "a Slack webhook URL",
  ],
  [
    /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[\w-]{20,}/,
    "a Discord webhook URL",
  ],
  [/https:\/\/[a-z0-9-]+\.webhook\.office\.com\/[^\s"']{20,}/, "a Microsoft Teams webhook URL"],
  [
    /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{20,}/,
    "an HTTP Authorization credential (Bearer/Basic ...)",
  ],
  // A password inside a URL, unless it is a placeholder filled in at run time ($VAR, {{x}}, <x>).
  // (The user may be empty: redis://:password@host.)
  [/[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:(?![$%{<*])[^\s@/]+@/i, "a URL with an embedded password"],
  // A credential in a URL's query string, under a credential's parameter name.
  [
    /[?&](?:api[_-]?key|key|token|access[_-]?token|auth|secret|password|sig|signature)=(?![$%{<*])[^\s&#"']{16,}/i,
    "a URL with a credential in its query string",
  ],
];

/**
 * Whether text holds what looks like a random token: 24 or more letters, digits, '+', '/' or '='
 * in a row (between '-', '_' or anything else) with digits, and either both cases or only
 * lowercase hex: a Cloudflare API token or Global API Key, a hex or base64 secret such as an AWS
 * secret key. A lowercase path or name (`/api/v1/health/checks/deep/x1`) is not one. Hex after `sha256:`,
 * `@` or `:` (a digest, a git sha as a tag) and PEM certificate bodies are not tokens, nor are
 * hyphenated names (`agent-cloud-production-postgres-01`). Too broad to refuse a value by (a zone
 * id has that shape): errors use it to decide what they may quote.
 */
export function looksLikeToken(text: string): boolean {
  const rest = text
    .replace(/(?:sha256:|@|:)[0-9A-Fa-f]+/g, "")
    .replace(/-----BEGIN CERTIFICATE-----[\s\S]*?(?:-----END CERTIFICATE-----|$)/g, "");
  return (rest.match(/[A-Za-z0-9+/=]{24,}/g) ?? []).some(
    (run) => /[0-9]/.test(run) && (/[A-Z]/.test(run) ? /[a-z]/.test(run) : /^[0-9a-f]+$/.test(run)),
  );
}

/** What a value looks like if it looks like a credential, else undefined. */
export function secretShape(value: string): string | undefined {
  for (const [pattern, what] of VALUE_PATTERNS) if (pattern.test(value)) return what;
  return undefined;
}

const SECRET_NAME_FINDING = "has a plain value under a secret's name";

/**
 * Why a plain value under `name` counts as a credential, or undefined: a value shaped like one
 * ({@link secretShape}), or a value under a secret's name ({@link isSecretName}). A random token
 * under any name ending in KEY does not count: public keys (`VAPID_PUBLIC_KEY`,
 * `STRIPE_PUBLISHABLE_KEY`, an analytics project key) and hex cache or idempotency keys are
 * ordinary settings an app's env holds in clear. A name alone never counts for an empty value.
 */
export function secretEntry(name: string, value: string): string | undefined {
  const shape = secretShape(value);
  if (shape !== undefined) return `holds what looks like ${shape}`;
  if (value.trim() !== "" && isSecretName(name)) return SECRET_NAME_FINDING;
  return undefined;
}

/** One secret found inside a structured value (agentConfig, a JSON ConfigMap value). */
export interface NestedSecret {
  /** `.tools.search.apiKey`, `[2].token`. */
  readonly path: string;
  /** The key it sits under (the last path step), "" for a top-level value. */
  readonly key: string;
  /** Why it counts: its name, or what its value looks like. */
  readonly why: string;
}

/**
 * Every leaf of a JSON-like value that is a credential: a non-empty value under a secret's name,
 * or a string shaped like a credential anywhere.
 */
export function findNestedSecrets(value: unknown, prefix = ""): NestedSecret[] {
  const found: NestedSecret[] = [];
  const visit = (v: unknown, path: string, key: string) => {
    if (typeof v === "string") {
      const why = secretEntry(key, v);
      if (why !== undefined) found.push({ path, key, why });
      return;
    }
    if (v === null || typeof v !== "object") {
      if (key !== "" && v !== null && v !== undefined && v !== false && isSecretName(key)) {
        found.push({ path, key, why: SECRET_NAME_FINDING });
      }
      return;
    }
    if (key !== "" && isSecretName(key) && Object.keys(v).length > 0) {
      found.push({ path, key, why: "holds values under a secret's name" });
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      const step = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`;
      visit(x, step, Array.isArray(v) ? key : k);
    }
  };
  visit(value, prefix, "");
  return found;
}

/** One credential in a text file, located but never quoted. */
export interface TextSecret {
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
  readonly what: string;
}

/** `NAME=value`, `export NAME=value`, `NAME: value`, `"name": "value"` (one per line). */
const ASSIGNMENT =
  /^\s*(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*["']?([^\s"'#,]+)/;
/** Values that are references or placeholders, not credentials. */
const PLACEHOLDER =
  /^(?:\$|\{|<|%|\*|process\.env|os\.environ|env\(|null$|true$|false$|none$|changeme$|xxx)/i;

/**
 * Credentials in a text file (a build context's files): credential-shaped values anywhere, and
 * literal values assigned to a secret's name in dotenv, shell, YAML or JSON lines.
 */
export function findTextSecrets(text: string): TextSecret[] {
  const found: TextSecret[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    for (const [pattern, what] of VALUE_PATTERNS) {
      const m = pattern.exec(line);
      if (m) {
        found.push({ line: i + 1, column: m.index + 1, what });
        return;
      }
    }
    const a = ASSIGNMENT.exec(line);
    if (
      a &&
      isSecretName(a[1] ?? "") &&
      (a[2] ?? "").length >= 6 &&
      !PLACEHOLDER.test(a[2] ?? "")
    ) {
      found.push({
        line: i + 1,
        column: line.indexOf(a[2] ?? "") + 1,
        what: `a literal value for ${a[1]}`,
      });
    }
  });
  return found;
}
