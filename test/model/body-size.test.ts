import { describe, expect, it } from "vitest";
import {
  BODY_SIZE_ALLOWED,
  bodySizeReason,
  MAX_BODY_SIZE,
  nginxSizeBytes,
} from "../../model/body-size";
import { PROXY_DEFAULTS } from "../../model/edge-defaults";

const ALLOWED =
  "must be an nginx size such as 512k, 10m or 1g (a whole number, then k, m, g or nothing for bytes), from 1 to 1g (0 would be no limit at all)";

describe("nginxSizeBytes", () => {
  it.each([
    ["1", 1n],
    ["512k", 524_288n],
    ["10m", 10_485_760n],
    ["1g", 1_073_741_824n],
    ["010m", 10_485_760n],
    ["0", 0n],
    // Beyond a double's exact range, still exact.
    ["9999999999999g", 10_737_418_239_998_926_258_176n],
    ["10MB", undefined],
    ["10M", undefined],
    ["1t", undefined],
    ["1.5g", undefined],
    ["-1", undefined],
    ["", undefined],
    [" 10m", undefined],
  ])("%j", (value, expected) => {
    expect(nginxSizeBytes(value)).toBe(expected);
  });
});

describe("bodySizeReason", () => {
  it("says what is allowed and the maximum, in these words", () => {
    expect(BODY_SIZE_ALLOWED).toBe(ALLOWED);
    expect(MAX_BODY_SIZE).toBe("1g");
  });

  it.each([
    [PROXY_DEFAULTS.maxBodySize, undefined],
    ["1", undefined],
    ["25m", undefined],
    ["1048576k", undefined],
    ["1024m", undefined],
    ["1g", undefined],
    ["1073741824", undefined],
    ["1073741825", ALLOWED],
    ["1025m", ALLOWED],
    ["1048577k", ALLOWED],
    ["2g", ALLOWED],
    ["9999999999999g", ALLOWED],
    ["0", ALLOWED],
    ["0m", ALLOWED],
    ["10MB", ALLOWED],
    ["1t", ALLOWED],
  ])("%j", (value, expected) => {
    expect(bodySizeReason(value)).toBe(expected);
  });
});
