/**
 * What "looks like a secret" in plain configuration. Names are judged by their LAST word, so
 * `OPENAI_API_KEY`, `DB_PASSWORD`, `GITHUB_TOKEN` count while `MAX_TOKENS`, `TOKEN_URL`,
 * `PASSWORD_FILE` or `SECRET_NAME` (an agent's ordinary settings, or pointers to a secret) do
 * not. Values are judged by well-known credential shapes. Findings never echo the value.
 */

/** Last words that make a name secret on their own. */
const SECRET_WORDS = new Set([
  "TOKEN",
  "PASSWORD",
  "PASSWD",
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
]);
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
  return last === "KEY" && KEY_QUALIFIERS.has(w[w.length - 2] ?? "");
}

const VALUE_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/,
    "a PEM private key (-----BEGIN ... PRIVATE KEY-----)",
  ],
  [/\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/, "an OpenAI/Anthropic API key (sk-...)"],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token (ghp_...)"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id (AKIA...)"],
  [/\bAIza[0-9A-Za-z_-]{35}/, "a Google/Gemini API key (AIza...)"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token (xox...)"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JSON Web Token"],
  [/\bac_[a-z0-9-]{1,12}_[A-Za-z0-9]{16,}/, "an agent-cloud API key (ac_{environment}_...)"],
  // A password inside a URL, unless it is a placeholder filled in at run time ($VAR, {{x}}, <x>).
  [/[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:(?![$%{<*])[^\s@/]+@/i, "a URL with an embedded password"],
];

/** What a value looks like if it looks like a credential, else undefined. */
export function secretShape(value: string): string | undefined {
  for (const [pattern, what] of VALUE_PATTERNS) if (pattern.test(value)) return what;
  return undefined;
}
