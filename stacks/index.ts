/**
 * The Pulumi program: `pulumi up --stack <local|dev|production>` runs this file (Pulumi.yaml
 * `main: stacks/`). It reads and validates the stack's config before creating anything, so a bad
 * config deploys nothing, then builds the stack's part of the environment: the whole Platform,
 * or (with tenant shards) the platform or one shard (stacks/program.ts).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { databaseServerName } from "../model/database-server";
import { loadConfig } from "./config";
import { environmentProgram } from "./program";
import { stopOnConfigError } from "./stop-on-config-error";

/** A bad config ends the run with its message alone: RunError makes Pulumi skip the stack trace. */
function loadConfigOrStop() {
  try {
    return loadConfig();
  } catch (error) {
    throw stopOnConfigError(error);
  }
}

const config = loadConfigOrStop();

const platform = environmentProgram(config, {
  projectRoot: path.join(__dirname, ".."),
  cloudflareApiToken: new pulumi.Config("cloudflare").getSecret("apiToken"),
});

/** Stack outputs: what `ops status|history|promote|doctor` and people read. No secrets. */
export const environment = config.environment;
export const domain = config.domain;
/** Where the tenants' databases are (`in-cluster` or `external host:port`): the next update checks it has not moved (stacks/stack-identity.ts). */
export const databaseServer = databaseServerName(config.database);
export const edgeNamespace = platform.edgeNamespace;
export const imageRef = platform.imageRef;
export const proxyAddress = platform.proxyAddress;
export const tenants = platform.tenants;
export const hostsFileLines = platform.hostsFileLines;
/** Shard stacks only (secret): their tenants' API keys, which the platform's edge checks. */
export const apiKeys = platform.apiKeys;
