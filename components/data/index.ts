export {
  SharedDatabase,
  SHARED_DATABASE_TYPE,
  type SharedDatabaseArgs,
  type SharedDatabaseTransforms,
  type InClusterDatabaseArgs,
  type ExternalDatabaseArgs,
  type DatabaseTenant,
  POSTGRES_SERVICE,
} from "./shared-database";
export {
  TenantDatabases,
  TENANT_DATABASES_TYPE,
  type TenantDatabasesArgs,
} from "./tenant-databases";
export { databaseUrl, type SslMode } from "./database-url";
