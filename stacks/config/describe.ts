/**
 * What a config key may hold, in people's words, read from the zod schema itself so error
 * messages cannot drift from the rules: "an email address", "a whole number from 1 to 65535",
 * "true or false", and the closest known key when one is misspelt.
 */
import type { z } from "zod";

/** zod 4's definition as far as this file reads it (the internals are untyped for walkers). */
interface Def {
  readonly type: string;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly out?: Schema;
  readonly element?: Schema;
  readonly valueType?: Schema;
  readonly shape?: Record<string, Schema>;
  readonly options?: readonly Schema[];
  readonly discriminator?: string;
  readonly format?: string;
  readonly values?: readonly unknown[];
  readonly entries?: Record<string, unknown>;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly error?: () => unknown;
}
interface CheckDef {
  readonly check: string;
  readonly format?: string;
  readonly prefix?: string;
  readonly value?: number;
  readonly error?: () => unknown;
}
interface Schema {
  readonly _zod: { readonly def: Def };
}

const asSchema = (schema: z.ZodType): Schema => schema as unknown as Schema;

/** The schema without `.default()`, `.optional()`, `.nullable()`, `.readonly()`, a pipe's output or a preprocess. */
function unwrap(schema: Schema): Schema {
  let inner = schema;
  for (;;) {
    const def = inner._zod.def;
    if (def.innerType !== undefined) inner = def.innerType;
    // z.preprocess is a pipe from a transform: what the value must be is its output.
    else if (def.type === "pipe" && def.in?._zod.def.type === "transform" && def.out !== undefined)
      inner = def.out;
    else if (def.type === "pipe" && def.in !== undefined) inner = def.in;
    else return inner;
  }
}

/** For a discriminated union, the option the raw value's discriminator picks. */
function pickOption(schema: Schema, value: unknown): Schema | undefined {
  const def = schema._zod.def;
  if (def.type !== "union" || def.discriminator === undefined) return undefined;
  const tag =
    value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)[def.discriminator]
      : undefined;
  return def.options?.find((option) => {
    const literal = unwrap(option)._zod.def.shape?.[def.discriminator ?? ""];
    return literal !== undefined && (unwrap(literal)._zod.def.values ?? []).includes(tag);
  });
}

/**
 * The schema of the value at `path` below `root` (unwrapped), choosing discriminated-union
 * options by the raw config's own discriminators; undefined where the path leaves the schema.
 */
export function schemaAt(
  root: z.ZodType,
  path: readonly PropertyKey[],
  raw: unknown,
): Schema | undefined {
  let current: Schema | undefined = unwrap(asSchema(root));
  let value = raw;
  for (const key of path) {
    if (current === undefined) return undefined;
    const union = pickOption(current, value);
    if (union !== undefined) current = unwrap(union);
    const def: Def = current._zod.def;
    let next: Schema | undefined;
    if (def.type === "object") next = def.shape?.[String(key)];
    else if (def.type === "array") next = def.element;
    else if (def.type === "record") next = def.valueType;
    current = next === undefined ? undefined : unwrap(next);
    value =
      value !== null && typeof value === "object"
        ? (value as Record<PropertyKey, unknown>)[key]
        : undefined;
  }
  if (current === undefined) return undefined;
  const union = pickOption(current, value);
  return union === undefined ? current : unwrap(union);
}

/** The keys an object at `path` accepts ([] when it is not an object). */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[], raw: unknown): string[] {
  const found = schemaAt(root, path, raw);
  return found?._zod.def.type === "object" ? Object.keys(found._zod.def.shape ?? {}) : [];
}

const FORMATS: Record<string, string> = {
  email: "an email address",
  url: "a URL",
  uuid: "a UUID",
  datetime: "an ISO 8601 date and time",
};

/** A custom "must be ..." message a check in the schema carries, if any. */
function customMessage(def: Def): string | undefined {
  for (const check of [{ _zod: { def } }, ...(def.checks ?? [])]) {
    const message = check._zod.def.error?.();
    if (typeof message === "string" && message.startsWith("must be ")) return message;
  }
  return undefined;
}

/**
 * What the schema accepts, as a noun phrase: "an email address", "a whole number from 1 to
 * 65535", "true or false", `one of "a", "b"`, or a check's own "must be ..." wording (without
 * "must be"). Falls back to zod's type name.
 */
export function expectedName(schema: Schema | undefined, fallback: string): string {
  if (schema === undefined) return article(fallback === "record" ? "map" : fallback);
  const def = unwrap(schema)._zod.def;
  const custom = customMessage(def);
  if (custom !== undefined) return custom.slice("must be ".length);
  switch (def.type) {
    case "string": {
      const format = FORMATS[def.format ?? ""];
      if (format !== undefined) return format;
      const prefix = def.checks?.find((c) => c._zod.def.format === "starts_with")?._zod.def.prefix;
      return prefix === undefined ? "text" : `text starting with ${JSON.stringify(prefix)}`;
    }
    case "number": {
      const checks = (def.checks ?? []).map((c) => c._zod.def);
      const int = def.format === "safeint" || checks.some((c) => c.format === "safeint");
      const min = checks.find((c) => c.check === "greater_than")?.value;
      const max = checks.find((c) => c.check === "less_than")?.value;
      const noun = int ? "a whole number" : "a number";
      if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
      if (min !== undefined) return `${noun} of at least ${min}`;
      if (max !== undefined) return `${noun} of at most ${max}`;
      return noun;
    }
    case "boolean":
      return "true or false";
    case "enum":
      return oneOf(Object.values(def.entries ?? {}));
    case "literal":
      return oneOf(def.values ?? []);
    case "union": {
      const literals = (def.options ?? []).map((o) => unwrap(o)._zod.def);
      if (literals.every((d) => d.type === "literal"))
        return oneOf(literals.flatMap((d) => d.values ?? []));
      return def.discriminator === undefined
        ? article(fallback)
        : `a map with ${def.discriminator}: ${oneOf(
            (def.options ?? []).flatMap(
              (o) => unwrap(o)._zod.def.shape?.[def.discriminator ?? ""]?._zod.def.values ?? [],
            ),
          ).replace(/^one of /, "")}`;
    }
    case "array":
      return def.element === undefined
        ? "a list"
        : `a list of ${plural(expectedName(def.element, "value"))}`;
    case "object":
    case "record":
      return "a map";
    default:
      return article(fallback);
  }
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 1
    ? JSON.stringify(values[0])
    : `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

/** "an email address" → "email addresses", "text" stays, others get an "s" on their noun. */
function plural(phrase: string): string {
  if (phrase === "text" || phrase.startsWith("text ")) return phrase;
  const match = /^(a|an) ([a-z0-9 -]+?)( (from|of|such|like|starting|pinned|\().*)?$/.exec(phrase);
  if (match === null) return `values that are ${phrase}`;
  const noun = match[2] ?? "";
  const tail = match[3] ?? "";
  const many = noun.endsWith("s") ? `${noun}es` : `${noun}s`;
  return `${many}${tail}`;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(from: string, to: string): number {
  // distance[i][j]: between the first i characters of `from` and the first j of `to`.
  const distance: number[][] = Array.from({ length: from.length + 1 }, (_, i) =>
    Array.from({ length: to.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => distance[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= from.length; i++) {
    for (let j = 1; j <= to.length; j++) {
      const cost = from[i - 1] === to[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && from[i - 1] === to[j - 2] && from[i - 2] === to[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (distance[i] as number[])[j] = best;
    }
  }
  return at(from.length, to.length);
}

/** The known key closest to `key`, if it is close enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance =
      candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(key.length / 3));
  return best.distance <= limit ? best.key : undefined;
}
