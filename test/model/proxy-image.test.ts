import { describe, expect, it } from "vitest";
import { DEFAULT_PROXY_IMAGE } from "../../model/edge-defaults";
import { proxyImageProblem } from "../../model/rules/proxy-image";

const PINNED = "must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine";
const NO_NJS =
  "must have nginx's njs module (ngx_http_js_module.so under /usr/lib/nginx/modules), which a -slim image leaves out, e.g. nginx:1.27.5-alpine";

describe("proxyImageProblem", () => {
  it.each([
    [DEFAULT_PROXY_IMAGE, undefined],
    ["nginx:1.27.5-alpine", undefined],
    [`nginx@sha256:${"a".repeat(64)}`, undefined],
    [`nginx:latest@sha256:${"a".repeat(64)}`, undefined],
    ["registry.example.com:5000/edge/nginx:1.27.5", undefined],
    ["nginx", PINNED],
    ["nginx:latest", PINNED],
    ["registry.example.com:5000/edge/nginx", PINNED],
    ["NGINX:1.27.5", PINNED],
    [`nginx@sha256:${"a".repeat(63)}`, PINNED],
    // A ':' only before a registry's port and before the tag.
    ["registry.example.com:5000/edge/nginx:1.27.5:extra", PINNED],
    ["registry.example.com:5000:1.27.5", PINNED],
    ["edge:x/nginx:1.27.5", PINNED],
    ["nginx:", PINNED],
    [`nginx:1.27.5@sha256:${"a".repeat(64)}:x`, PINNED],
    // The official images' -slim variants leave out njs, which the edge loads.
    ["nginx:1.27.5-alpine-slim", NO_NJS],
    ["nginx:alpine-slim", NO_NJS],
    [`registry.example.com:5000/nginx:1.27-alpine-slim@sha256:${"a".repeat(64)}`, NO_NJS],
    ["registry.example.com:5000/slim/nginx:1.27.5", undefined],
    ["nginx:1.27.5-slimmer", undefined],
  ])("%s", (image, expected) => {
    expect(proxyImageProblem(image)).toBe(expected);
  });
});
