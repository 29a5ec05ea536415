/**
 * The resource type tokens tests look resources up by and assert, in one place. The project's own
 * components are taken from the constants the components register with (one definition each); the
 * providers' tokens come from testkit/provider-tokens.ts, keyed by the class name their SDK gives
 * the resource (`KUBERNETES.Deployment` is `k8s.apps.v1.Deployment`).
 *
 * A test that expects a whole URN or a message verbatim keeps that text as it is: what it checks
 * is the exact string. The recorded URNs (test/platform/fixtures/urns.json) hold every token the
 * engine sees, so a changed constant fails that contract rather than passing silently here.
 */
import { SQL_STATEMENTS_TYPE } from "../components/data/sql-statements";
import { SHARED_DATABASE_TYPE } from "../components/data/shared-database";
import { TENANT_BACKUPS_TYPE } from "../components/data/tenant-backups";
import { TENANT_DATABASES_TYPE } from "../components/data/tenant-databases";
import { MANAGEMENT_PROXY_TYPE } from "../components/edge/management-proxy";
import { WILDCARD_CERTIFICATE_TYPE } from "../components/edge/wildcard-certificate";
import { WILDCARD_DNS_TYPE } from "../components/edge/wildcard-dns";
import { APP_IMAGE_TYPE } from "../components/image/app-image";
import { PLATFORM_TYPE } from "../components/platform";
import { TENANT_SHARD_TYPE } from "../components/shard/tenant-shard";
import { TENANT_APP_TYPE } from "../components/tenant/tenant-app";

export {
  CLOUDFLARE,
  DOCKER_BUILD,
  KUBERNETES,
  POSTGRESQL,
  PULUMI,
  RANDOM,
  TLS,
} from "./provider-tokens";

/** The project's components (`agent-cloud:<module>:<Name>`). */
export const AGENT_CLOUD = {
  Platform: PLATFORM_TYPE,
  TenantShard: TENANT_SHARD_TYPE,
  TenantApp: TENANT_APP_TYPE,
  ManagementProxy: MANAGEMENT_PROXY_TYPE,
  WildcardCertificate: WILDCARD_CERTIFICATE_TYPE,
  WildcardDns: WILDCARD_DNS_TYPE,
  SharedDatabase: SHARED_DATABASE_TYPE,
  TenantDatabases: TENANT_DATABASES_TYPE,
  TenantBackups: TENANT_BACKUPS_TYPE,
  AppImage: APP_IMAGE_TYPE,
  /** The dynamic resource that runs SharedDatabase's SQL (a `pulumi-nodejs:dynamic/...` token). */
  SqlStatements: SQL_STATEMENTS_TYPE,
} as const;
