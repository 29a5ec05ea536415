import * as util from "node:util";
import * as pulumi from "@pulumi/pulumi";

const REDACTED = "[secret]";

/**
 * A config value that was stored encrypted (`pulumi config set --secret`).
 *
 * It prints as "[secret]" everywhere (string conversion, JSON, `console.log`, test snapshots), so
 * a validated config can be logged or diffed safely; the only way out is {@link toOutput}, which
 * hands the value to Pulumi already marked secret.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value as a secret Output: encrypted in state, masked in CLI output. */
  toOutput(): pulumi.Output<string> {
    return pulumi.secret(this.#value);
  }

  /** Whether the value is empty, without revealing it. */
  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [util.inspect.custom](): string {
    return REDACTED;
  }
}
