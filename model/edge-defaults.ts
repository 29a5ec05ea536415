/**
 * Defaults of the edge that the config schema (model/config-schema.ts) and the edge components
 * (components/edge) share, so the two cannot drift.
 */

/**
 * The official nginx image the proxy runs, pinned by digest: the production policy requires a
 * digest, and a tag alone can be moved to other content.
 */
export const DEFAULT_PROXY_IMAGE =
  "nginx:1.27.5-alpine@sha256:65645c7bb6a0661892a8b03b89d0743208a18dd2f3f17a54ef4b76fb8e2f2a10";
