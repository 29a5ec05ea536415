/** The proxy's API-key table as a Pulumi value: the (secret) text that goes into its Secret. */
import * as pulumi from "@pulumi/pulumi";
import { renderApiKeyTable } from "./nginx/auth";

/** Accepted keys per tenant id: the current key and, during a rotation overlap, the previous. */
export type ProxyApiKeys = Readonly<
  Record<
    string,
    { readonly current: pulumi.Input<string>; readonly previous?: pulumi.Input<string> }
  >
>;

/** The `map` include file ({@link renderApiKeyTable}), secret. */
export function proxyApiKeyTable(keys: ProxyApiKeys): pulumi.Output<string> {
  const ids = Object.keys(keys).sort();
  return pulumi.secret(
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
}
