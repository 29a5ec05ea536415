/**
 * The proxy's API-key table as Pulumi values: the text (secret) that goes into its Secret, and a
 * hash of it that may be shown in clear (it covers 238-bit random keys, so it reveals nothing).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { renderApiKeyTable } from "./nginx/auth";

/** Accepted keys per tenant id: the current key and, during a rotation overlap, the previous. */
export type ProxyApiKeys = Readonly<
  Record<
    string,
    { readonly current: pulumi.Input<string>; readonly previous?: pulumi.Input<string> }
  >
>;

export interface ProxyApiKeyTable {
  /** The `map` include file, secret. */
  readonly text: pulumi.Output<string>;
  /** SHA-256 of the text, in clear: a changed key changes it. */
  readonly checksum: pulumi.Output<string>;
}

export function proxyApiKeyTable(keys: ProxyApiKeys): ProxyApiKeyTable {
  const ids = Object.keys(keys).sort();
  const text = pulumi.secret(
    pulumi
      .all(
        ids.map((id) =>
          pulumi.all([keys[id]?.current, keys[id]?.previous]).apply(([current, previous]) => ({
            tenantId: id,
            keys: [current, previous].filter((k): k is string => typeof k === "string"),
          })),
        ),
      )
      .apply((tenants) => renderApiKeyTable(tenants)),
  );
  return {
    text,
    checksum: pulumi.unsecret(text.apply((t) => createHash("sha256").update(t).digest("hex"))),
  };
}
