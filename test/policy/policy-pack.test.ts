/**
 * The policy pack through the real analyzer: ONE pack process for every rule suite (starting
 * it loads @pulumi/pulumi and ts-node, about 2 s of CPU, so each suite file does not pay it
 * again). Suites live in ./suites, one per rule group; each rule has a passing and a failing case
 * asserting the exact policy name and the message.
 */
import { afterAll, beforeAll } from "vitest";
import { startPolicyPack, type PackContext } from "./analyzer";
import { edgeSuite } from "./suites/edge";
import { networkKindsSuite } from "./suites/network-kinds";
import { packSuite } from "./suites/pack";
import { productionSuite } from "./suites/production";
import { tenantsSuite } from "./suites/tenants";
import { workloadsSuite } from "./suites/workloads";

const ctx = {} as PackContext;

beforeAll(async () => {
  ctx.pack = await startPolicyPack();
});

afterAll(async () => {
  await ctx.pack?.stop();
});

packSuite(ctx);
edgeSuite(ctx);
tenantsSuite(ctx);
networkKindsSuite(ctx);
workloadsSuite(ctx);
productionSuite(ctx);
