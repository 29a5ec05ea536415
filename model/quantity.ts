/**
 * Exact arithmetic on Kubernetes quantities ("250m", "2", "1.5", "512Mi", "1Gi", "1G"), for
 * sizing a quota as a multiple of a plan's per-pod figures. Floating point would turn 0.1 × 3
 * into "0.30000000000000004", which the API server refuses. Used by the config schema
 * (model/config-schema.ts), the plan rule (model/rules/plan-resources.ts), the tenant quota
 * (components/tenant/resources.ts) and the edge's memory budget (components/edge). No
 * dependencies.
 *
 * Every suffix Kubernetes accepts is read: `m` (thousandths), the decimal `k` … `E` and the
 * binary `Ki` … `Ei`. Exponents (`1e9`) are not; the message says what is.
 */

/** Each suffix's multiple of the base unit, by notation. */
const SUFFIXES = {
  decimal: {
    k: 10n ** 3n,
    M: 10n ** 6n,
    G: 10n ** 9n,
    T: 10n ** 12n,
    P: 10n ** 15n,
    E: 10n ** 18n,
  },
  binary: {
    Ki: 1024n,
    Mi: 1024n ** 2n,
    Gi: 1024n ** 3n,
    Ti: 1024n ** 4n,
    Pi: 1024n ** 5n,
    Ei: 1024n ** 6n,
  },
} as const;
type Notation = "plain" | keyof typeof SUFFIXES;
const UNIT_SUFFIXES = [...Object.keys(SUFFIXES.decimal), ...Object.keys(SUFFIXES.binary)];

/** A number, then `m` (thousandths) or one of {@link SUFFIXES}. */
const QUANTITY = new RegExp(`^([0-9]+)(?:\\.([0-9]+))?(m|${UNIT_SUFFIXES.join("|")})?$`);
const ALLOWED = `must be a Kubernetes quantity like 250m, 2, 512Mi or 1G: a number with an optional suffix m, ${UNIT_SUFFIXES.join(", ")}`;

/** How many base units one `suffix` is, and which notation it belongs to. */
function suffixScale(suffix: string): { units: bigint; notation: Notation } {
  for (const notation of ["binary", "decimal"] as const) {
    const units = (SUFFIXES[notation] as Record<string, bigint>)[suffix];
    if (units !== undefined) return { units, notation };
  }
  return { units: 1n, notation: "plain" };
}

/** A quantity as an integer count of thousandths of its base unit, and its notation. */
interface Parsed {
  readonly milli: bigint;
  /** How it was written, kept when it is multiplied: memory in Mi stays in Mi, in G in G. */
  readonly notation: Notation;
}

/** The problem with a quantity this module cannot compute with, or undefined. */
export function quantityProblem(quantity: string): string | undefined {
  const reason = quantityReason(quantity);
  return reason === undefined ? undefined : `quantity "${quantity}": ${reason}`;
}

/**
 * Why `quantity` is not written as a quantity (what is allowed), or undefined when it is; it may
 * still be too fine to compute with ({@link quantityReason}). The config schema checks this, and
 * the rules that compare quantities check the rest with every other cross-field problem.
 */
export function quantitySyntaxReason(quantity: string): string | undefined {
  return QUANTITY.test(quantity) ? undefined : ALLOWED;
}

/** Why a quantity cannot be computed with (what is allowed), or undefined when it can. */
export function quantityReason(quantity: string): string | undefined {
  const read = readQuantity(quantity);
  return typeof read === "string" ? read : undefined;
}

function parse(quantity: string): Parsed {
  const read = readQuantity(quantity);
  if (typeof read === "string") throw new Error(`quantity "${quantity}": ${read}`);
  return read;
}

/** The parsed quantity, or the reason it cannot be parsed exactly. */
function readQuantity(quantity: string): Parsed | string {
  const match = QUANTITY.exec(quantity);
  if (match === null) return ALLOWED;
  const [, whole = "0", fraction = "", suffix = ""] = match;
  const { units, notation } = suffixScale(suffix);
  const scale = suffix === "m" ? 1n : 1000n * units;
  // whole.fraction × scale, exactly: shift the fraction into an integer first.
  const digits = BigInt(whole + fraction);
  const divisor = 10n ** BigInt(fraction.length);
  const scaled = digits * scale;
  if (scaled % divisor !== 0n)
    return "finer than a thousandth of a unit; the smallest step is 1m (0.001)";
  return { milli: scaled / divisor, notation };
}

function format({ milli, notation }: Parsed): string {
  if (milli % 1000n !== 0n) return `${milli}m`;
  const units = milli / 1000n;
  if (notation !== "plain" && units !== 0n) {
    // The largest suffix of the same notation that divides it exactly.
    const suffixes = Object.entries(SUFFIXES[notation] as Record<string, bigint>).reverse();
    for (const [suffix, size] of suffixes)
      if (units % size === 0n) return `${units / size}${suffix}`;
  }
  return `${units}`;
}

/** `quantity` × `factor`, in the same notation (binary stays binary, CPU stays decimal). */
export function multiplyQuantity(quantity: string, factor: number): string {
  if (!Number.isInteger(factor) || factor < 0) {
    throw new Error(`factor ${factor}: must be a non-negative integer`);
  }
  const parsed = parse(quantity);
  return format({ milli: parsed.milli * BigInt(factor), notation: parsed.notation });
}

/** A quantity in whole base units (bytes for memory), rounded down: "1Gi" is 1073741824. */
export function quantityUnits(quantity: string): number {
  return Number(parse(quantity).milli / 1000n);
}

/** Compares two quantities: negative when left < right, 0 when equal, positive when left > right. */
export function compareQuantities(left: string, right: string): number {
  const [x, y] = [parse(left).milli, parse(right).milli];
  return x < y ? -1 : x > y ? 1 : 0;
}
