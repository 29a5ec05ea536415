/**
 * Exact arithmetic on Kubernetes quantities ("250m", "2", "1.5", "512Mi", "1Gi"), for sizing a
 * quota as a multiple of a plan's per-pod figures. Floating point would turn 0.1 × 3 into
 * "0.30000000000000004", which the API server refuses. Used by the plan rule
 * (model/rules/plan-resources.ts) and the tenant quota (components/tenant/resources.ts).
 * No dependencies.
 */

const QUANTITY = /^([0-9]+)(?:\.([0-9]+))?(m|Ki|Mi|Gi|Ti)?$/;
const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
};

/** A quantity as an integer count of thousandths of its base unit, and its notation. */
interface Parsed {
  readonly milli: bigint;
  readonly binary: boolean;
}

/** The problem with a quantity this module cannot compute with, or undefined. */
export function quantityProblem(quantity: string): string | undefined {
  const reason = quantityReason(quantity);
  return reason === undefined ? undefined : `quantity "${quantity}": ${reason}`;
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
  if (match === null) return "must be a Kubernetes quantity like 250m, 2 or 512Mi";
  const [, whole = "0", fraction = "", suffix = ""] = match;
  const scale = suffix === "m" ? 1n : 1000n * (BINARY[suffix] ?? 1n);
  // whole.fraction × scale, exactly: shift the fraction into an integer first.
  const digits = BigInt(whole + fraction);
  const divisor = 10n ** BigInt(fraction.length);
  const scaled = digits * scale;
  if (scaled % divisor !== 0n)
    return "finer than a thousandth of a unit; the smallest step is 1m (0.001)";
  return { milli: scaled / divisor, binary: suffix in BINARY };
}

function format({ milli, binary }: Parsed): string {
  if (milli % 1000n !== 0n) return `${milli}m`;
  const units = milli / 1000n;
  if (binary) {
    for (const suffix of ["Ti", "Gi", "Mi", "Ki"]) {
      const size = BINARY[suffix] as bigint;
      if (units !== 0n && units % size === 0n) return `${units / size}${suffix}`;
    }
  }
  return `${units}`;
}

/** `quantity` × `factor`, in the same notation (binary stays binary, CPU stays decimal). */
export function multiplyQuantity(quantity: string, factor: number): string {
  if (!Number.isInteger(factor) || factor < 0) {
    throw new Error(`factor ${factor}: must be a non-negative integer`);
  }
  const parsed = parse(quantity);
  return format({ milli: parsed.milli * BigInt(factor), binary: parsed.binary });
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
