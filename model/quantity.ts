/**
 * Exact arithmetic on Kubernetes quantities ("250m", "2", "1.5", "512Mi", "1Gi", "1G"), for
 * sizing a quota as a multiple of a plan's per-pod figures. Floating point would turn 0.1 × 3
 * into "0.30000000000000004", which the API server refuses. Used by the config schema
 * (model/config-schema.ts), the plan rule (model/rules/plan-resources.ts), the tenant quota
 * (components/tenant/resources.ts), the edge's memory budget (components/edge) and `ops usage`
 * reading metrics (ops/adapters/kube-metrics.ts). No dependencies.
 *
 * Every form of Kubernetes' quantity pattern is read (`+1`, `.5`, `5.` too, and every suffix:
 * `n`, `u`, `m`, the decimal `k` … `E`, the binary `Ki` … `Ei`) except a minus sign and an
 * exponent (`1e9`); the message says what is allowed. Amounts the platform computes with must be
 * whole thousandths.
 */

const BILLION = 10n ** 9n;
/** Each suffix's size in billionths of the base unit, by how it is written. */
const SUFFIXES = {
  /** Fractions of a unit, as CPU is written (`250m`; metrics report `12345678n`). */
  fraction: { n: 1n, u: 10n ** 3n, m: 10n ** 6n },
  decimal: {
    k: BILLION * 10n ** 3n,
    M: BILLION * 10n ** 6n,
    G: BILLION * 10n ** 9n,
    T: BILLION * 10n ** 12n,
    P: BILLION * 10n ** 15n,
    E: BILLION * 10n ** 18n,
  },
  binary: {
    Ki: BILLION * 1024n,
    Mi: BILLION * 1024n ** 2n,
    Gi: BILLION * 1024n ** 3n,
    Ti: BILLION * 1024n ** 4n,
    Pi: BILLION * 1024n ** 5n,
    Ei: BILLION * 1024n ** 6n,
  },
} as const;
type Notation = keyof typeof SUFFIXES | "plain";
const suffixesOf = (notation: keyof typeof SUFFIXES) => Object.keys(SUFFIXES[notation]);

/** An optional `+`, digits with an optional fraction (at least one digit), an optional suffix. */
const QUANTITY = new RegExp(
  `^\\+?(?=\\.?[0-9])([0-9]*)(?:\\.([0-9]*))?(${Object.values(SUFFIXES)
    .flatMap((s) => Object.keys(s))
    .join("|")})?$`,
);

/** What a quantity may look like: the end of every message about one. */
export const QUANTITY_ALLOWED = `must be a Kubernetes quantity like 250m, 2, 512Mi or 1G: a non-negative number with an optional suffix, ${suffixesOf("fraction").join(", ")} (billionths, millionths, thousandths), ${suffixesOf("decimal").join(", ")} or ${suffixesOf("binary").join(", ")}; no exponent such as 1e9`;

/** How many billionths one `suffix` is, and how it is written. */
function suffixScale(suffix: string): { billionths: bigint; notation: Notation } {
  for (const notation of ["fraction", "decimal", "binary"] as const) {
    const billionths = (SUFFIXES[notation] as Record<string, bigint>)[suffix];
    if (billionths !== undefined) return { billionths, notation };
  }
  return { billionths: BILLION, notation: "plain" };
}

/** A quantity as an integer count of thousandths of its base unit, and its notation. */
interface Parsed {
  readonly milli: bigint;
  /** How it was written, kept when it is multiplied: memory in Mi stays in Mi, in G in G. */
  readonly notation: "plain" | "decimal" | "binary";
}

/**
 * Why `quantity` is not written as a quantity (what is allowed), or undefined when it is; it may
 * still be too fine to compute with ({@link quantityReason}). The config schema checks this, and
 * the rules that compare quantities check the rest with every other cross-field problem.
 */
export function quantitySyntaxReason(quantity: string): string | undefined {
  return QUANTITY.test(quantity) ? undefined : QUANTITY_ALLOWED;
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

/** The parsed quantity, or the reason it cannot be computed with exactly. */
function readQuantity(quantity: string): Parsed | string {
  const match = QUANTITY.exec(quantity);
  if (match === null) return QUANTITY_ALLOWED;
  const [, whole = "", fraction = "", suffix = ""] = match;
  const { billionths, notation } = suffixScale(suffix);
  // whole.fraction in billionths, then thousandths, exactly: the fraction's digits are shifted
  // into the integer first and divided out with the rest.
  const scaled = BigInt(`${whole}${fraction}` || "0") * billionths;
  const divisor = 10n ** BigInt(fraction.length) * 10n ** 6n;
  if (scaled % divisor !== 0n)
    return "finer than a thousandth of a unit; the smallest step is 1m (0.001)";
  return { milli: scaled / divisor, notation: notation === "fraction" ? "plain" : notation };
}

function format({ milli, notation }: Parsed): string {
  if (milli % 1000n !== 0n) return `${milli}m`;
  const units = milli / 1000n;
  if (notation !== "plain" && units !== 0n) {
    // The largest suffix of the same notation that divides it exactly.
    const suffixes = Object.entries(SUFFIXES[notation] as Record<string, bigint>).reverse();
    for (const [suffix, billionths] of suffixes) {
      const size = billionths / BILLION;
      if (units % size === 0n) return `${units / size}${suffix}`;
    }
  }
  return `${units}`;
}

/**
 * `quantity` × `factor`, exactly: in the largest suffix of its own notation that divides the
 * product (`1G` × 3 is `3G`, `512Mi` × 2 is `1Gi`), else in plain units or thousandths (`250m`
 * × 3 is `750m`, `0.5Ki` × 3 is `1536`, `500000u` × 2 is `1`).
 */
export function multiplyQuantity(quantity: string, factor: number): string {
  if (!Number.isInteger(factor) || factor < 0) {
    throw new Error(`factor ${factor}: must be a non-negative integer`);
  }
  const parsed = parse(quantity);
  return format({ milli: parsed.milli * BigInt(factor), notation: parsed.notation });
}

/**
 * A quantity in whole base units (bytes for memory), rounded down: "1Gi" is 1073741824. Exact
 * up to 2^53 (8 PiB); above it the nearest number JavaScript holds.
 */
export function quantityUnits(quantity: string): number {
  return Number(parse(quantity).milli / 1000n);
}

/**
 * A quantity of any precision in base units, as a float: "12345678n" is 0.012345678 (CPU
 * cores), "512Mi" is 536870912. For reading what the cluster reports; never for arithmetic that
 * goes back into a manifest. Throws naming what is allowed.
 */
export function quantityValue(quantity: string): number {
  const match = QUANTITY.exec(quantity);
  if (match === null) throw new Error(`quantity "${quantity}": ${QUANTITY_ALLOWED}`);
  const [, whole = "", fraction = "", suffix = ""] = match;
  const { billionths, notation } = suffixScale(suffix);
  const number = `${whole || "0"}.${fraction || "0"}`;
  // One rounding: a binary suffix scales by a power of two (exact), any other by a power of ten,
  // written as an exponent so the digits are rounded once.
  return notation === "binary"
    ? Number(number) * Number(billionths / BILLION)
    : Number(`${number}e${String(billionths).length - 10}`);
}

/** Compares two quantities: negative when left < right, 0 when equal, positive when left > right. */
export function compareQuantities(left: string, right: string): number {
  const [x, y] = [parse(left).milli, parse(right).milli];
  return x < y ? -1 : x > y ? 1 : 0;
}
